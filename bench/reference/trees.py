"""Reference tree ensembles for `npm run bench:train`: scikit-learn's random forest and LightGBM's gradient boosting,
trained single-threaded on the same arrays and settings as the TypeScript kinds. Prints one JSON object.

Usage: python trees.py <dir> <task> <model> '<json params>'
<dir> holds x_train.f32, y_train.f32, x_test.f32, y_test.f32 and shape.json (written by bench/train.ts)."""
import json
import sys
import time

import numpy as np


def load(directory):
    with open(f"{directory}/shape.json") as f:
        shape = json.load(f)
    d = shape["features"]
    read = lambda name: np.fromfile(f"{directory}/{name}.f32", dtype="<f4")
    return (read("x_train").reshape(-1, d), read("y_train"), read("x_test").reshape(-1, d), read("y_test"))


def build(task, model, p):
    if model == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
        return cls(
            n_estimators=p["trees"],
            max_features="sqrt" if task == "classification" else 1.0,
            min_samples_leaf=p["minSamplesLeaf"],
            bootstrap=True,
            n_jobs=1,
            random_state=p["seed"],
        )
    import lightgbm as lgb

    cls = lgb.LGBMClassifier if task == "classification" else lgb.LGBMRegressor
    return cls(
        n_estimators=p["rounds"],
        learning_rate=p["learningRate"],
        max_depth=p["maxDepth"],
        num_leaves=2 ** p["maxDepth"],
        min_child_samples=p["minSamplesLeaf"],
        min_child_weight=1e-3,
        reg_lambda=0.0,
        max_bin=p["maxBins"],
        num_threads=1,
        deterministic=True,
        random_state=p["seed"],
        verbose=-1,
    )


def main():
    directory, task, model, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    x_train, y_train, x_test, y_test = load(directory)
    if task == "classification":
        y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)
    estimator = build(task, model, params)
    started = time.perf_counter()
    estimator.fit(x_train, y_train)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = estimator.predict(x_test)
    predict_seconds = time.perf_counter() - started
    if task == "classification":
        from sklearn.metrics import accuracy_score

        metric = float(accuracy_score(y_test, predicted))
    else:
        from sklearn.metrics import r2_score

        metric = float(r2_score(y_test, predicted))
    print(json.dumps({"trainSeconds": train_seconds, "predictSeconds": predict_seconds, "metric": metric}))


if __name__ == "__main__":
    main()

"""Keras baseline of bench/train.ts: the same MLP on the same data, trained by TensorFlow from PyPI.

Usage: python baseline.py DATA_FILE THREADS HIDDEN EPOCHS BATCH LEARNING_RATE
DATA_FILE is written by bench/train.ts: rows and features (two little-endian int32), then x (float32, row-major) and
y (int32). THREADS is the size of TensorFlow's intra- and inter-op thread pools (0: TensorFlow's default, every
core). Prints one JSON line: samples/s per epoch, CPU seconds, final loss.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main():
    path, threads, hidden, epochs, batch, learning_rate = sys.argv[1:7]
    threads, epochs, batch = int(threads), int(epochs), int(batch)
    hidden = [int(h) for h in hidden.split(",")]
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    raw = open(path, "rb").read()
    rows, features = np.frombuffer(raw[:8], dtype="<i4")
    x = np.frombuffer(raw[8:8 + rows * features * 4], dtype="<f4").reshape(rows, features)
    y = np.frombuffer(raw[8 + rows * features * 4:], dtype="<i4")
    tf.keras.utils.set_random_seed(7)
    layers = [tf.keras.Input(shape=(features,))]
    layers += [tf.keras.layers.Dense(units, activation="relu") for units in hidden]
    layers += [tf.keras.layers.Dense(2, activation="softmax")]
    model = tf.keras.Sequential(layers)
    model.compile(optimizer=tf.keras.optimizers.Adam(float(learning_rate)), loss="sparse_categorical_crossentropy")

    epoch_seconds = []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.started)

    cpu = time.process_time()
    history = model.fit(x, y, epochs=epochs, batch_size=batch, shuffle=True, verbose=0, callbacks=[Timer()])
    cpu = time.process_time() - cpu
    print(json.dumps({
        "tensorflow": tf.__version__,
        "threads": threads or os.cpu_count(),
        "samplesPerSecond": [rows / s for s in epoch_seconds],
        "seconds": sum(epoch_seconds),
        "cpuSeconds": cpu,
        "loss": history.history["loss"][-1],
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }))


if __name__ == "__main__":
    main()

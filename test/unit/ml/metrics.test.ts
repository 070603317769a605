import {
  accuracy,
  argmaxRows,
  binaryAuc,
  classificationMetrics,
  confusionMatrix,
  logLoss,
  precisionRecallF1,
  regressionMetrics,
  rocAuc,
} from '../../../lib/ml';

describe('binary classification metrics', () => {
  // yTrue 0 0 1 1, P(class 1) = 0.1 0.4 0.35 0.8 → predicted 0 0 0 1
  const yTrue = [0, 0, 1, 1];
  const probabilities = [0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8];

  it('accuracy, confusion matrix, per-class and macro precision/recall/F1', () => {
    const yPred = argmaxRows({ probabilities, numClasses: 2 });
    expect(Array.from(yPred)).toEqual([0, 0, 0, 1]);
    expect(accuracy({ yTrue, yPred })).toBe(0.75);
    expect(confusionMatrix({ yTrue, yPred, numClasses: 2 })).toEqual([
      [2, 0],
      [1, 1],
    ]);
    // class 0: P = 2/3, R = 1, F1 = 2·(2/3)/(5/3) = 0.8; class 1: P = 1, R = 1/2, F1 = 2/3
    const { perClass, macro } = precisionRecallF1({ yTrue, yPred, numClasses: 2 });
    expect(perClass[0]?.precision).toBeCloseTo(2 / 3, 12);
    expect(perClass[0]?.f1).toBeCloseTo(0.8, 12);
    expect(perClass[1]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(macro.precision).toBeCloseTo(5 / 6, 12);
    expect(macro.recall).toBeCloseTo(0.75, 12);
    expect(macro.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
  });

  it('ROC-AUC and log loss', () => {
    // positive scores 0.35, 0.8 vs negative 0.1, 0.4: 3 of 4 pairs ordered → 0.75
    expect(rocAuc({ yTrue, probabilities, numClasses: 2 })).toBeCloseTo(0.75, 12);
    // −(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8)/4 = (0.1053605 + 0.5108256 + 1.0498221 + 0.2231436)/4
    expect(logLoss({ yTrue, probabilities, numClasses: 2 })).toBeCloseTo(0.47228795, 7);
  });

  it('AUC counts ties as one half and is undefined with one class', () => {
    expect(binaryAuc({ positive: [0.5, 0.9], negative: [0.5, 0.1] })).toBeCloseTo(0.875, 12);
    expect(rocAuc({ yTrue: [1, 1], probabilities: [0.2, 0.8, 0.4, 0.6], numClasses: 2 })).toBeNull();
  });

  it('log loss clips zero probabilities at 1e-15', () => {
    expect(logLoss({ yTrue: [1], probabilities: [1, 0], numClasses: 2 })).toBeCloseTo(-Math.log(1e-15), 6);
  });
});

describe('multiclass metrics', () => {
  const yTrue = [0, 1, 2, 2, 1];
  const probabilities = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3];

  it('known answers for every metric', () => {
    const m = classificationMetrics({ yTrue, probabilities, numClasses: 3, classNames: ['a', 'b', 'c'] });
    // predicted 0 1 1 2 1 → 4/5 correct
    expect(m.accuracy).toBe(0.8);
    expect(m.confusionMatrix).toEqual([
      [1, 0, 0],
      [0, 2, 0],
      [0, 1, 1],
    ]);
    // P = (1 + 2/3 + 1)/3, R = (1 + 1 + 1/2)/3, F1 = (1 + 0.8 + 2/3)/3
    expect(m.macroPrecision).toBeCloseTo(8 / 9, 12);
    expect(m.macroRecall).toBeCloseTo(2.5 / 3, 12);
    expect(m.macroF1).toBeCloseTo((1 + 0.8 + 2 / 3) / 3, 12);
    // one-vs-rest AUC: class a 1; class b (0.6, 0.4 vs 0.2, 0.5, 0.1) 5/6; class c (0.3, 0.8 vs 0.1, 0.3, 0.3) 5/6
    expect(m.rocAuc).toBeCloseTo((1 + 5 / 6 + 5 / 6) / 3, 12);
    // −(ln .7 + ln .6 + ln .3 + ln .8 + ln .4)/5
    expect(m.logLoss).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.6) + Math.log(0.3) + Math.log(0.8) + Math.log(0.4)) / 5,
      12,
    );
    expect(m.perClass.map((p) => p.class)).toEqual(['a', 'b', 'c']);
    expect(m.perClass[2]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
  });

  it('rejects probabilities of the wrong shape', () => {
    expect(() => logLoss({ yTrue, probabilities: [0.5, 0.5], numClasses: 3 })).toThrow(/Expected 15 values/);
  });
});

describe('regression metrics', () => {
  it('RMSE, MAE and R² (scikit-learn documentation example)', () => {
    // errors −0.5, 0.5, 0, 1: MAE 2/4 = 0.5; MSE 1.5/4 = 0.375; mean y 2.875, SS_tot 29.1875 → R² = 1 − 1.5/29.1875
    const m = regressionMetrics({ yTrue: [3, -0.5, 2, 7], yPred: [2.5, 0, 2, 8] });
    expect(m.mae).toBe(0.5);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2).toBeCloseTo(1 - 1.5 / 29.1875, 12);
  });

  it('R² is undefined for constant targets', () => {
    expect(regressionMetrics({ yTrue: [2, 2], yPred: [1, 3] })).toEqual({ count: 2, rmse: 1, mae: 1, r2: null });
  });
});

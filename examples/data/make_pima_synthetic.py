"""Writes pima-indians-diabetes.synthetic.csv: SYNTHETIC rows in the Pima Indians Diabetes CSV format.

The real dataset (UCI; 768 rows, no header, 9 comma-separated columns: pregnancies, glucose,
blood pressure, skin thickness, insulin, BMI, diabetes pedigree, age, outcome 0/1) is not
shipped. These rows are drawn per class with roughly the real columns' means and spreads, so
the course's MLP learns them to about the same accuracy (~70-78%). Not medical data.
"""
import os

import numpy as np

COLUMNS = [  # (mean if outcome 0, mean if outcome 1, std, low, high, decimals)
    (3.3, 4.9, 3.2, 0, 17, 0),        # pregnancies
    (110., 141., 26., 44, 199, 0),    # plasma glucose
    (68., 71., 18., 0, 122, 0),       # diastolic blood pressure
    (20., 22., 16., 0, 99, 0),        # triceps skin thickness
    (69., 100., 110., 0, 846, 0),     # 2-hour serum insulin
    (30.3, 35.1, 7.5, 18.2, 67.1, 1),  # BMI
    (0.43, 0.55, 0.32, 0.078, 2.42, 3),  # diabetes pedigree function
    (31., 37., 11., 21, 81, 0),       # age
]


def make(n=768, seed=7):
    rng = np.random.default_rng(seed)
    outcome = (rng.random(n) < 0.35).astype(int)
    cols = []
    for mean0, mean1, std, low, high, decimals in COLUMNS:
        x = np.where(outcome == 1, mean1, mean0) + std * rng.standard_normal(n)
        cols.append(np.round(np.clip(x, low, high), decimals))
    return np.column_stack(cols + [outcome])


if __name__ == "__main__":
    rows = make()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pima-indians-diabetes.synthetic.csv")
    fmt = ["%d"] * 5 + ["%.1f", "%.3f", "%d", "%d"]
    np.savetxt(path, rows, fmt=fmt, delimiter=",",
               header="SYNTHETIC data in the Pima Indians Diabetes format (see make_pima_synthetic.py)")

"""Statistics for benchmark rounds (../shared/reference/benchmark-method.md §4.3): medians with
their interquartile range, and an exact Mann-Whitney test, so a difference is only claimed when the
rounds show one."""

import itertools
import statistics


def quartiles(values):
    """(first quartile, median, third quartile) of the values that are not None."""
    values = sorted(v for v in values if v is not None)
    if len(values) < 2:
        return (values[0],) * 3 if values else None
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def median_iqr(values, digits=0):
    """`median (q1–q3)`, or `n/a`."""
    q = quartiles(values)
    if q is None:
        return "n/a"
    return f"{q[1]:.{digits}f} ({q[0]:.{digits}f}–{q[2]:.{digits}f})"


def mann_whitney(xs, ys):
    """Exact two-sided p-value of the Mann-Whitney U test that xs and ys come from the same
    distribution (every split of the pooled values is enumerated; ties get average ranks)."""
    xs, ys = list(xs), list(ys)
    pooled = xs + ys
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    ranks = [0.0] * len(pooled)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and pooled[order[j + 1]] == pooled[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n, m = len(xs), len(ys)
    centre = n * (n + m + 1) / 2
    observed = abs(sum(ranks[:n]) - centre)
    extreme = total = 0
    for chosen in itertools.combinations(range(n + m), n):
        total += 1
        if abs(sum(ranks[i] for i in chosen) - centre) >= observed - 1e-9:
            extreme += 1
    return extreme / total


def verdict(ours, theirs, alpha=0.05):
    """Which of two samples of a lower-is-better figure is lower, if the rounds show it."""
    p = mann_whitney(ours, theirs)
    if p >= alpha:
        return p, "no difference"
    return p, "S2 lower" if statistics.median(ours) < statistics.median(theirs) else "S2 higher"

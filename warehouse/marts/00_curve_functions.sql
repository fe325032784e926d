-- Benchmark yield of a ChinaBond curve at a date and tenor: the latest curve date on or before
-- the date, linear interpolation in tenor, NULL outside the curve's tenors (same rule as
-- transforms/derive/benchmark.py). Use it for per-security benchmarks and spreads.
CREATE OR REPLACE MACRO marts.curve_yield(p_curve_id, p_date, p_tenor) AS (
    WITH day AS (
        SELECT max(curve_date) AS d FROM core.yield_curves
        WHERE curve_id = p_curve_id AND curve_date <= p_date
    ), points AS (
        SELECT tenor_years AS t, yield_rate AS y FROM core.yield_curves
        WHERE curve_id = p_curve_id AND curve_date = (SELECT d FROM day)
    ), lo AS (
        SELECT t, y FROM points WHERE t <= p_tenor ORDER BY t DESC LIMIT 1
    ), hi AS (
        SELECT t, y FROM points WHERE t >= p_tenor ORDER BY t LIMIT 1
    )
    SELECT CASE
        WHEN (SELECT t FROM lo) IS NULL OR (SELECT t FROM hi) IS NULL THEN NULL
        WHEN (SELECT t FROM lo) = (SELECT t FROM hi) THEN (SELECT y FROM lo)::DOUBLE
        ELSE (SELECT y FROM lo)::DOUBLE + ((SELECT y FROM hi) - (SELECT y FROM lo))::DOUBLE
             * (p_tenor - (SELECT t FROM lo))::DOUBLE / ((SELECT t FROM hi) - (SELECT t FROM lo))::DOUBLE
    END
);

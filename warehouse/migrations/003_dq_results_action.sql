-- What each data-quality result decided, and how. `action`: a failed check with `refuse` is
-- what refused a publish; a `quarantine` rule took the rows that broke it out of the batch
-- before the checkpoint; `warn` is recorded only. `mostly`: the share of rows the check
-- required to pass. `expectation_type`: the Great Expectations expectation behind the check
-- (NULL for reconciliations and other checks outside GX, and for rows written before this).
ALTER TABLE dq.results ADD COLUMN action VARCHAR;
ALTER TABLE dq.results ADD COLUMN mostly DOUBLE;
ALTER TABLE dq.results ADD COLUMN expectation_type VARCHAR;
COMMENT ON COLUMN dq.results.action IS 'What a failure does: refuse (the publish is refused), quarantine (failing rows are kept out), warn (recorded only) 失败处置';
COMMENT ON COLUMN dq.results.mostly IS 'Share of rows the check required to pass (1 = every row), fraction 最低通过比例';
COMMENT ON COLUMN dq.results.expectation_type IS 'Great Expectations expectation behind the check (expect_column_values_to_be_unique …); NULL for checks outside GX 校验类型';

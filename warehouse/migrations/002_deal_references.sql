-- Deals known only by name, from reference lists people send (e.g. a list of deals still
-- missing from the warehouse). Kept apart from core.deals, which needs market and amounts.
CREATE TABLE core.deal_references (
    deal_id          VARCHAR PRIMARY KEY,
    deal_name_zh     VARCHAR NOT NULL,
    series_name      VARCHAR,
    vintage_year     INTEGER,
    issue_number     INTEGER,
    asset_class      VARCHAR,
    market_hint      VARCHAR,
    is_npl           BOOLEAN,
    document_id      VARCHAR,
    source_page      INTEGER,
    source_table     VARCHAR,
    source_row_label VARCHAR
);
COMMENT ON TABLE core.deal_references IS 'Deals named in reference lists (e.g. deals still to collect), one row per deal name 项目名称清单';
COMMENT ON COLUMN core.deal_references.deal_id IS 'Deal id derived from the full name, as in core.deals 项目编号';
COMMENT ON COLUMN core.deal_references.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN core.deal_references.series_name IS 'Series name before the vintage year 系列名称';
COMMENT ON COLUMN core.deal_references.vintage_year IS 'Year in the deal name 年度';
COMMENT ON COLUMN core.deal_references.issue_number IS 'Issue number within the year 期数';
COMMENT ON COLUMN core.deal_references.asset_class IS 'Asset class stated in the name, NULL when the name states none 基础资产类型';
COMMENT ON COLUMN core.deal_references.market_hint IS 'Market the name implies: credit_abs, abn, exchange_abs 市场提示';
COMMENT ON COLUMN core.deal_references.is_npl IS 'Name marks a non-performing-loan deal 是否不良资产';
COMMENT ON COLUMN core.deal_references.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.deal_references.source_page IS 'Sheet row 来源行号';
COMMENT ON COLUMN core.deal_references.source_table IS 'Sheet 来源表格';
COMMENT ON COLUMN core.deal_references.source_row_label IS 'Row label 来源行标签';

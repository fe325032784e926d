-- Schema v1 of the warehouse: raw, core, marts and dq.
-- Forward-only: never edit this file once landed; add 002_… instead.
-- Conventions: money DECIMAL(20,2) in CNY; rates DECIMAL(12,8) as fractions; dates DATE;
-- timestamps TIMESTAMPTZ; provenance columns (document_id, source_page, source_table,
-- source_row_label) on every row that came out of a document.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS dq;


-- ───────────────────────────── raw ─────────────────────────────
CREATE TABLE raw.documents (
    document_id            VARCHAR PRIMARY KEY,
    source                 VARCHAR NOT NULL,
    source_doc_id          VARCHAR,
    url                    VARCHAR,
    title                  VARCHAR,
    file_name              VARCHAR,
    published_at           TIMESTAMPTZ,
    doc_type               VARCHAR,
    file_format            VARCHAR,
    size_bytes             BIGINT NOT NULL,
    sha256                 VARCHAR NOT NULL,
    stored_path            VARCHAR NOT NULL,
    first_seen_at          TIMESTAMPTZ NOT NULL,
    last_seen_at           TIMESTAMPTZ NOT NULL,
    report_key             VARCHAR,
    is_revision            BOOLEAN,
    is_english             BOOLEAN,
    outcome                VARCHAR NOT NULL,
    outcome_reason         VARCHAR,
    supersedes_document_id VARCHAR,
    superseded_by_document_id VARCHAR,
    run_id                 VARCHAR
);
COMMENT ON TABLE raw.documents IS 'Registry of every fetched document, one row per distinct document content (SHA-256) 原始文档登记表';
COMMENT ON COLUMN raw.documents.document_id IS 'Document id: the SHA-256 of its bytes 文档编号（内容哈希）';
COMMENT ON COLUMN raw.documents.source IS 'Source system that delivered it (sample_market, chinabond, inbox …) 数据来源';
COMMENT ON COLUMN raw.documents.source_doc_id IS 'Id of the document in its source (e.g. ChinaBond docid) 来源文档编号';
COMMENT ON COLUMN raw.documents.url IS 'Download address, if fetched over HTTP 下载地址';
COMMENT ON COLUMN raw.documents.title IS 'Title as published 文档标题';
COMMENT ON COLUMN raw.documents.file_name IS 'Sanitised original file name 原始文件名';
COMMENT ON COLUMN raw.documents.published_at IS 'Publish time at the source (Asia/Shanghai) 发布时间';
COMMENT ON COLUMN raw.documents.doc_type IS 'Document type recognised from content and name (trustee_report, issuance_export, yield_curve …) 文档类型';
COMMENT ON COLUMN raw.documents.file_format IS 'File format: pdf, xlsx, csv, json 文件格式';
COMMENT ON COLUMN raw.documents.size_bytes IS 'Size in bytes 文件大小（字节）';
COMMENT ON COLUMN raw.documents.sha256 IS 'SHA-256 of the bytes 内容哈希';
COMMENT ON COLUMN raw.documents.stored_path IS 'Path of the bytes in the content-addressed raw store 原始存储路径';
COMMENT ON COLUMN raw.documents.first_seen_at IS 'First time any run fetched these bytes 首次获取时间';
COMMENT ON COLUMN raw.documents.last_seen_at IS 'Last time any run saw these bytes 最近获取时间';
COMMENT ON COLUMN raw.documents.report_key IS 'Logical report this document is a version of (deal + period + kind), for revisions 报告标识';
COMMENT ON COLUMN raw.documents.is_revision IS 'Title marks a revised report (更正 / 更新 / 以此为准) 是否更正版';
COMMENT ON COLUMN raw.documents.is_english IS 'English-language duplicate of a Chinese document 是否英文版';
COMMENT ON COLUMN raw.documents.outcome IS 'What the pipeline did with it: loaded, superseded, duplicate, skipped, quarantined 处理结果';
COMMENT ON COLUMN raw.documents.outcome_reason IS 'Why, for anything not loaded: document, page, field and value 处理原因';
COMMENT ON COLUMN raw.documents.supersedes_document_id IS 'Earlier version this revised document replaces 所替代的旧版文档';
COMMENT ON COLUMN raw.documents.superseded_by_document_id IS 'Later version that replaced this one 被替代的新版文档';
COMMENT ON COLUMN raw.documents.run_id IS 'Pipeline run that last decided the outcome 处理批次';

CREATE TABLE raw.fetch_cursors (
    source       VARCHAR PRIMARY KEY,
    cursor_json  VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE raw.fetch_cursors IS 'Incremental fetch position, one row per source 增量抓取游标';
COMMENT ON COLUMN raw.fetch_cursors.source IS 'Source system 数据来源';
COMMENT ON COLUMN raw.fetch_cursors.cursor_json IS 'Cursor as JSON: last publish time and ids seen at it 游标（JSON）';
COMMENT ON COLUMN raw.fetch_cursors.updated_at IS 'When the cursor last moved 更新时间';

-- ───────────────────────────── core: parties ─────────────────────────────
CREATE TABLE core.institutions (
    institution_id     VARCHAR PRIMARY KEY,
    full_name_zh       VARCHAR NOT NULL,
    short_name_zh      VARCHAR,
    name_en            VARCHAR,
    institution_type   VARCHAR NOT NULL,
    parent_group       VARCHAR,
    province           VARCHAR
);
COMMENT ON TABLE core.institutions IS 'Banks, trusts, platforms, guarantors, lessors, AMCs, rating agencies; one row per institution 机构表';
COMMENT ON COLUMN core.institutions.institution_id IS 'Stable institution id 机构编号';
COMMENT ON COLUMN core.institutions.full_name_zh IS 'Full registered Chinese name 机构全称';
COMMENT ON COLUMN core.institutions.short_name_zh IS 'Usual Chinese short name 机构简称';
COMMENT ON COLUMN core.institutions.name_en IS 'English name 英文名称';
COMMENT ON COLUMN core.institutions.institution_type IS 'Type: state_owned_bank, joint_stock_bank, city_commercial_bank, rural_commercial_bank, private_bank, foreign_bank, trust, securities_firm, internet_platform, micro_lender, financing_guarantor, pc_insurer, lessor, consumer_finance, auto_finance, local_amc, national_amc, rating_agency, corporate, other 机构类型';
COMMENT ON COLUMN core.institutions.parent_group IS 'Group or parent it belongs to 所属集团';
COMMENT ON COLUMN core.institutions.province IS 'Province of registration 所在省份';

CREATE TABLE core.institution_aliases (
    alias           VARCHAR PRIMARY KEY,
    institution_id  VARCHAR NOT NULL
);
COMMENT ON TABLE core.institution_aliases IS 'Names under which an institution appears in documents, one row per distinct alias 机构别名表';
COMMENT ON COLUMN core.institution_aliases.alias IS 'Name as written in documents (full, short, former name) 别名';
COMMENT ON COLUMN core.institution_aliases.institution_id IS 'Institution it resolves to 机构编号';

-- ───────────────────────────── core: deals ─────────────────────────────
CREATE TABLE core.deals (
    deal_id                     VARCHAR PRIMARY KEY,
    deal_name_zh                VARCHAR NOT NULL,
    deal_short_name             VARCHAR,
    series_name                 VARCHAR,
    vintage_year                INTEGER,
    issue_number                INTEGER,
    market                      VARCHAR NOT NULL,
    asset_class                 VARCHAR NOT NULL,
    asset_subclass              VARCHAR,
    is_public_offering          BOOLEAN,
    originator_id               VARCHAR,
    asset_provider_id           VARCHAR,
    trustee_id                  VARCHAR,
    issue_date                  DATE,
    value_date                  DATE,
    legal_maturity_date         DATE,
    deal_amount_cny             DECIMAL(20,2) NOT NULL,
    initial_pool_balance_cny    DECIMAL(20,2),
    pool_loan_count             INTEGER,
    pool_borrower_count         INTEGER,
    avg_balance_per_loan_cny    DECIMAL(20,2),
    avg_balance_per_borrower_cny DECIMAL(20,2),
    wa_contract_term_months     DECIMAL(10,2),
    wa_remaining_term_months    DECIMAL(10,2),
    wa_pool_rate                DECIMAL(12,8),
    wa_overdue_months           DECIMAL(10,2),
    expected_gross_recovery_rate DECIMAL(12,8),
    is_revolving                BOOLEAN,
    revolving_period_months     INTEGER,
    has_external_enhancement    BOOLEAN,
    document_id                 VARCHAR,
    source_page                 INTEGER,
    source_table                VARCHAR,
    source_row_label            VARCHAR
);
COMMENT ON TABLE core.deals IS 'Securitisation deals (项目/专项计划/信托), one row per deal 资产证券化项目表';
COMMENT ON COLUMN core.deals.deal_id IS 'Stable deal id 项目编号';
COMMENT ON COLUMN core.deals.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN core.deals.deal_short_name IS 'Short name, e.g. 飞驰建普2020-2 项目简称';
COMMENT ON COLUMN core.deals.series_name IS 'Series name before the vintage year, e.g. 建鑫 系列名称';
COMMENT ON COLUMN core.deals.vintage_year IS 'Year in the deal name 年度';
COMMENT ON COLUMN core.deals.issue_number IS 'Issue number within the year (第一期 = 1) 期数';
COMMENT ON COLUMN core.deals.market IS 'Market: credit_abs, abn, exchange_abs 发行市场';
COMMENT ON COLUMN core.deals.asset_class IS 'Underlying asset class: leasing, small_micro_loan, micro_enterprise_loan, npl, … 基础资产类型';
COMMENT ON COLUMN core.deals.asset_subclass IS 'Finer class: corporate_leasing / small_micro_leasing, credit_npl / mortgage_npl … 基础资产细分';
COMMENT ON COLUMN core.deals.is_public_offering IS 'Publicly offered (false for private placement) 是否公开发行';
COMMENT ON COLUMN core.deals.originator_id IS 'Originator (发起机构 / 原始权益人) 发起机构';
COMMENT ON COLUMN core.deals.asset_provider_id IS 'Underlying asset provider 资产提供方';
COMMENT ON COLUMN core.deals.trustee_id IS 'Trustee or plan manager 受托机构/计划管理人';
COMMENT ON COLUMN core.deals.issue_date IS 'Issue (book-building) date 发行日';
COMMENT ON COLUMN core.deals.value_date IS 'Value date, used for issuance periods 起息日';
COMMENT ON COLUMN core.deals.legal_maturity_date IS 'Legal maturity of the deal 法定到期日';
COMMENT ON COLUMN core.deals.deal_amount_cny IS 'Total issued amount of all tranches, CNY 发行总额（元）';
COMMENT ON COLUMN core.deals.initial_pool_balance_cny IS 'Pool principal at cut-off, CNY 初始资产池本金余额（元）';
COMMENT ON COLUMN core.deals.pool_loan_count IS 'Number of loans or leases in the initial pool 入池笔数';
COMMENT ON COLUMN core.deals.pool_borrower_count IS 'Number of borrowers in the initial pool 入池户数';
COMMENT ON COLUMN core.deals.avg_balance_per_loan_cny IS 'Average balance per loan, CNY 笔均余额（元）';
COMMENT ON COLUMN core.deals.avg_balance_per_borrower_cny IS 'Average balance per borrower, CNY 户均余额（元）';
COMMENT ON COLUMN core.deals.wa_contract_term_months IS 'Weighted-average contract term, months 加权平均合同期限（月）';
COMMENT ON COLUMN core.deals.wa_remaining_term_months IS 'Weighted-average remaining term, months 加权平均剩余期限（月）';
COMMENT ON COLUMN core.deals.wa_pool_rate IS 'Weighted-average annual pool rate, fraction 加权平均利率';
COMMENT ON COLUMN core.deals.wa_overdue_months IS 'NPL pools: weighted-average overdue period, months 加权平均逾期期限（月）';
COMMENT ON COLUMN core.deals.expected_gross_recovery_rate IS 'NPL pools: rating agencies'' expected gross recovery rate, fraction 预估毛回收率';
COMMENT ON COLUMN core.deals.is_revolving IS 'Has a revolving-purchase period 是否循环购买';
COMMENT ON COLUMN core.deals.revolving_period_months IS 'Length of the revolving period, months 循环期（月）';
COMMENT ON COLUMN core.deals.has_external_enhancement IS 'Any external credit enhancement 是否有外部增信';
COMMENT ON COLUMN core.deals.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.deals.source_page IS 'Page (PDF) or sheet row (XLSX) it stood on 来源页码/行号';
COMMENT ON COLUMN core.deals.source_table IS 'Table or sheet it stood in 来源表格';
COMMENT ON COLUMN core.deals.source_row_label IS 'Row label it stood under 来源行标签';

CREATE TABLE core.deal_labels (
    deal_id     VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    document_id VARCHAR,
    PRIMARY KEY (deal_id, label)
);
COMMENT ON TABLE core.deal_labels IS 'Special-purpose labels of a deal (高端制造, 乡村振兴, 碳中和绿色 …), one row per deal and label 特定领域标识';
COMMENT ON COLUMN core.deal_labels.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.deal_labels.label IS 'Label as written 标识';
COMMENT ON COLUMN core.deal_labels.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.credit_enhancements (
    deal_id           VARCHAR NOT NULL,
    enhancer_id       VARCHAR NOT NULL,
    enhancement_kind  VARCHAR NOT NULL,
    enhancer_relation VARCHAR NOT NULL,
    enhancer_rating   VARCHAR,
    document_id       VARCHAR,
    PRIMARY KEY (deal_id, enhancer_id, enhancement_kind)
);
COMMENT ON TABLE core.credit_enhancements IS 'External credit enhancement of a deal, one row per deal, enhancer and kind 外部增信';
COMMENT ON COLUMN core.credit_enhancements.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.credit_enhancements.enhancer_id IS 'Enhancing institution 增信方';
COMMENT ON COLUMN core.credit_enhancements.enhancement_kind IS 'Kind: guarantee, shortfall_payment, repurchase 增信方式（担保/差额支付/回购）';
COMMENT ON COLUMN core.credit_enhancements.enhancer_relation IS 'Relation to the originator: originator, related_party, professional_guarantor, other 增信方关系';
COMMENT ON COLUMN core.credit_enhancements.enhancer_rating IS 'Enhancer''s issuer rating at issue, canonical (AAA, AA+ …) 增信方主体评级';
COMMENT ON COLUMN core.credit_enhancements.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.tranches (
    tranche_id              VARCHAR PRIMARY KEY,
    deal_id                 VARCHAR NOT NULL,
    security_code           VARCHAR,
    tranche_name            VARCHAR NOT NULL,
    tranche_class           VARCHAR NOT NULL,
    seniority_rank          INTEGER NOT NULL,
    amount_cny              DECIMAL(20,2) NOT NULL,
    coupon_rate             DECIMAL(12,8),
    coupon_type             VARCHAR,
    issue_price_per_100     DECIMAL(12,4),
    amortisation            VARCHAR,
    expected_maturity_date  DATE,
    legal_maturity_date     DATE,
    expected_tenor_years    DECIMAL(10,4),
    initial_rating          VARCHAR,
    initial_rating_agency_id VARCHAR,
    is_externally_placed    BOOLEAN,
    originator_retained_share DECIMAL(12,8),
    period_return_rate      DECIMAL(12,8),
    delisting_date          DATE,
    document_id             VARCHAR,
    source_page             INTEGER,
    source_table            VARCHAR,
    source_row_label        VARCHAR
);
COMMENT ON TABLE core.tranches IS 'Tranches (securities) of deals, one row per tranche 证券分层表';
COMMENT ON COLUMN core.tranches.tranche_id IS 'Stable tranche id (security code with market suffix where known) 证券编号';
COMMENT ON COLUMN core.tranches.deal_id IS 'Deal it belongs to 所属项目';
COMMENT ON COLUMN core.tranches.security_code IS 'Security code with market suffix (.IB, .SH, .SZ) 证券代码';
COMMENT ON COLUMN core.tranches.tranche_name IS 'Tranche label as issued (优先A1, 次级 …) 证券分层名称';
COMMENT ON COLUMN core.tranches.tranche_class IS 'Class: senior, mezzanine, subordinated 证券分层类别';
COMMENT ON COLUMN core.tranches.seniority_rank IS 'Payment priority, 1 = most senior 偿付顺序';
COMMENT ON COLUMN core.tranches.amount_cny IS 'Issued amount, CNY 发行金额（元）';
COMMENT ON COLUMN core.tranches.coupon_rate IS 'Issuance coupon, fraction; NULL for subordinated tranches without coupon 发行利率';
COMMENT ON COLUMN core.tranches.coupon_type IS 'fixed or floating; NULL for subordinated 利率形式';
COMMENT ON COLUMN core.tranches.issue_price_per_100 IS 'Issue price per 100 CNY face 发行价格（元/百元面值）';
COMMENT ON COLUMN core.tranches.amortisation IS 'pass_through or bullet 还本方式';
COMMENT ON COLUMN core.tranches.expected_maturity_date IS 'Expected maturity 预期到期日';
COMMENT ON COLUMN core.tranches.legal_maturity_date IS 'Legal maturity 法定到期日';
COMMENT ON COLUMN core.tranches.expected_tenor_years IS 'Expected tenor from value date, years 预期期限（年）';
COMMENT ON COLUMN core.tranches.initial_rating IS 'Initial rating, canonical (AAAsf …); NULL when unrated 首次评级';
COMMENT ON COLUMN core.tranches.initial_rating_agency_id IS 'Agency of the initial rating 首次评级机构';
COMMENT ON COLUMN core.tranches.is_externally_placed IS 'Subordinated: sold to outside investors (not all retained) 次级是否对外发行';
COMMENT ON COLUMN core.tranches.originator_retained_share IS 'Share of the tranche retained by the originator, fraction 发起机构自留比例';
COMMENT ON COLUMN core.tranches.period_return_rate IS 'Subordinated: annual period-return rate, fraction; NULL when none 期间收益率';
COMMENT ON COLUMN core.tranches.delisting_date IS 'Delisting date (end of the tranche''s life) 摘牌日';
COMMENT ON COLUMN core.tranches.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.tranches.source_page IS 'Page or sheet row 来源页码/行号';
COMMENT ON COLUMN core.tranches.source_table IS 'Table or sheet 来源表格';
COMMENT ON COLUMN core.tranches.source_row_label IS 'Row or column label 来源行标签';

-- ───────────────────────────── core: performance ─────────────────────────────
CREATE TABLE core.pool_performance (
    deal_id                        VARCHAR NOT NULL,
    period_number                  INTEGER NOT NULL,
    report_date                    DATE,
    collection_period_start        DATE,
    collection_period_end          DATE,
    payment_date                   DATE NOT NULL,
    pool_balance_begin_cny         DECIMAL(20,2),
    pool_balance_end_cny           DECIMAL(20,2),
    loan_count_end                 INTEGER,
    principal_collected_cny        DECIMAL(20,2),
    interest_collected_cny         DECIMAL(20,2),
    prepayment_cny                 DECIMAL(20,2),
    new_default_cny                DECIMAL(20,2),
    cumulative_default_cny         DECIMAL(20,2),
    cumulative_default_rate        DECIMAL(12,8),
    delinquent_1_30_cny            DECIMAL(20,2),
    delinquent_31_60_cny           DECIMAL(20,2),
    delinquent_61_90_cny           DECIMAL(20,2),
    delinquent_90_plus_cny         DECIMAL(20,2),
    revolving_purchase_cny         DECIMAL(20,2),
    cumulative_revolving_purchase_cny DECIMAL(20,2),
    recovery_cny                   DECIMAL(20,2),
    cumulative_recovery_cny        DECIMAL(20,2),
    other_income_cny               DECIMAL(20,2),
    not_applicable_reason          VARCHAR,
    document_id                    VARCHAR NOT NULL,
    source_page                    INTEGER,
    source_table                   VARCHAR,
    source_row_label               VARCHAR,
    PRIMARY KEY (deal_id, period_number)
);
COMMENT ON TABLE core.pool_performance IS 'Pool performance reported in trustee reports, one row per deal and report period 资产池表现（按报告期）';
COMMENT ON COLUMN core.pool_performance.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.pool_performance.period_number IS 'Report period number, 1 = first payment period 报告期数（总第N期）';
COMMENT ON COLUMN core.pool_performance.report_date IS 'Report date on the cover 报告日期';
COMMENT ON COLUMN core.pool_performance.collection_period_start IS 'Start of the collection period 收款期间起始日';
COMMENT ON COLUMN core.pool_performance.collection_period_end IS 'End of the collection period 收款期间截止日（报告期末）';
COMMENT ON COLUMN core.pool_performance.payment_date IS 'Payment date; balances are as of it 本期支付日';
COMMENT ON COLUMN core.pool_performance.pool_balance_begin_cny IS 'Pool principal at the start of the period, CNY 期初资产池余额（元）';
COMMENT ON COLUMN core.pool_performance.pool_balance_end_cny IS 'Pool principal at the end of the period, CNY 期末资产池余额（元）';
COMMENT ON COLUMN core.pool_performance.loan_count_end IS 'Loans in the pool at period end 期末笔数';
COMMENT ON COLUMN core.pool_performance.principal_collected_cny IS 'Principal collected in the period (normal + prepaid + delinquent), CNY 本期本金回收（元）';
COMMENT ON COLUMN core.pool_performance.interest_collected_cny IS 'Interest collected in the period, CNY 本期利息回收（元）';
COMMENT ON COLUMN core.pool_performance.prepayment_cny IS 'Prepaid principal in the period, CNY 提前偿还（元）';
COMMENT ON COLUMN core.pool_performance.new_default_cny IS 'Principal newly defaulted (90+) in the period, CNY 当期新增违约金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_default_cny IS 'Cumulative defaulted principal, CNY 累计违约金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_default_rate IS '90+ cumulative default rate = cumulative defaulted principal / initial pool principal, fraction 累计违约率';
COMMENT ON COLUMN core.pool_performance.delinquent_1_30_cny IS 'Principal 1–30 days past due, CNY 逾期1-30天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_31_60_cny IS 'Principal 31–60 days past due, CNY 逾期31-60天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_61_90_cny IS 'Principal 61–90 days past due, CNY 逾期61-90天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_90_plus_cny IS 'Principal over 90 days past due, CNY 逾期90天以上（元）';
COMMENT ON COLUMN core.pool_performance.revolving_purchase_cny IS 'Revolving purchases in the period, CNY 本期循环购买金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_revolving_purchase_cny IS 'Cumulative revolving purchases, CNY 累计循环购买金额（元）';
COMMENT ON COLUMN core.pool_performance.recovery_cny IS 'NPL: cash recovered from disposal in the period (not 其他收入), CNY 本期回收金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_recovery_cny IS 'NPL: cumulative disposal recoveries, CNY 累计回收金额（元）';
COMMENT ON COLUMN core.pool_performance.other_income_cny IS 'NPL: other income, excluded from recoveries, CNY 其他收入（元）';
COMMENT ON COLUMN core.pool_performance.not_applicable_reason IS 'Why NULL fields do not apply (e.g. NPL pools have no default rate) 不适用原因';
COMMENT ON COLUMN core.pool_performance.document_id IS 'Trustee report the row came from 来源文档';
COMMENT ON COLUMN core.pool_performance.source_page IS 'Page it stood on 来源页码';
COMMENT ON COLUMN core.pool_performance.source_table IS 'Section or table 来源表格';
COMMENT ON COLUMN core.pool_performance.source_row_label IS 'Row label 来源行标签';

CREATE TABLE core.tranche_payments (
    tranche_id                 VARCHAR NOT NULL,
    period_number              INTEGER NOT NULL,
    deal_id                    VARCHAR NOT NULL,
    payment_date               DATE NOT NULL,
    principal_before_cny       DECIMAL(20,2),
    principal_paid_cny         DECIMAL(20,2),
    principal_after_cny        DECIMAL(20,2),
    interest_paid_cny          DECIMAL(20,2),
    other_income_paid_cny      DECIMAL(20,2),
    document_id                VARCHAR NOT NULL,
    source_page                INTEGER,
    source_table               VARCHAR,
    source_row_label           VARCHAR,
    PRIMARY KEY (tranche_id, period_number)
);
COMMENT ON TABLE core.tranche_payments IS 'Principal and interest paid per tranche per payment, one row per tranche and report period 证券本息兑付';
COMMENT ON COLUMN core.tranche_payments.tranche_id IS 'Tranche 证券编号';
COMMENT ON COLUMN core.tranche_payments.period_number IS 'Report period number 报告期数';
COMMENT ON COLUMN core.tranche_payments.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.tranche_payments.payment_date IS 'Payment date 兑付日';
COMMENT ON COLUMN core.tranche_payments.principal_before_cny IS 'Principal outstanding before payment, CNY 兑付前本金余额（元）';
COMMENT ON COLUMN core.tranche_payments.principal_paid_cny IS 'Principal paid, CNY 本期兑付本金（元）';
COMMENT ON COLUMN core.tranche_payments.principal_after_cny IS 'Principal outstanding after payment, CNY 兑付后剩余本金（元）';
COMMENT ON COLUMN core.tranche_payments.interest_paid_cny IS 'Interest (or subordinated period return) paid, CNY 本期利息/期间收益（元）';
COMMENT ON COLUMN core.tranche_payments.other_income_paid_cny IS 'Subordinated excess return paid, CNY 超额收益（元）';
COMMENT ON COLUMN core.tranche_payments.document_id IS 'Trustee report the row came from 来源文档';
COMMENT ON COLUMN core.tranche_payments.source_page IS 'Page 来源页码';
COMMENT ON COLUMN core.tranche_payments.source_table IS 'Section or table 来源表格';
COMMENT ON COLUMN core.tranche_payments.source_row_label IS 'Column label of the tranche 来源列标签';

CREATE TABLE core.rating_actions (
    tranche_id      VARCHAR NOT NULL,
    agency_id       VARCHAR NOT NULL,
    action_date     DATE NOT NULL,
    action_type     VARCHAR NOT NULL,
    rating_before   VARCHAR,
    rating_after    VARCHAR,
    document_id     VARCHAR,
    source_page     INTEGER,
    source_row_label VARCHAR,
    PRIMARY KEY (tranche_id, agency_id, action_date)
);
COMMENT ON TABLE core.rating_actions IS 'Initial and tracking ratings of tranches, one row per tranche, agency and action date 评级行动';
COMMENT ON COLUMN core.rating_actions.tranche_id IS 'Tranche 证券编号';
COMMENT ON COLUMN core.rating_actions.agency_id IS 'Rating agency 评级机构';
COMMENT ON COLUMN core.rating_actions.action_date IS 'Date of the action 评级日期';
COMMENT ON COLUMN core.rating_actions.action_type IS 'initial, affirm, upgrade, downgrade, withdraw 评级行动类型';
COMMENT ON COLUMN core.rating_actions.rating_before IS 'Rating before the action, canonical 调整前级别';
COMMENT ON COLUMN core.rating_actions.rating_after IS 'Rating after the action, canonical 调整后级别';
COMMENT ON COLUMN core.rating_actions.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.rating_actions.source_page IS 'Page or sheet row 来源页码/行号';
COMMENT ON COLUMN core.rating_actions.source_row_label IS 'Row label 来源行标签';

CREATE TABLE core.liquidation_events (
    deal_id                       VARCHAR PRIMARY KEY,
    liquidation_method            VARCHAR NOT NULL,
    event_date                    DATE NOT NULL,
    price_cny                     DECIMAL(20,2),
    remaining_pool_principal_cny  DECIMAL(20,2),
    pool_cumulative_default_rate  DECIMAL(12,8),
    document_id                   VARCHAR,
    source_page                   INTEGER,
    source_row_label              VARCHAR
);
COMMENT ON TABLE core.liquidation_events IS 'How a deal ended early or at term, one row per liquidated deal 清算事件';
COMMENT ON COLUMN core.liquidation_events.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.liquidation_events.liquidation_method IS 'clean_up_call, full_liquidation, in_kind_distribution 清算方式（清仓回购/全部变现/原状分配）';
COMMENT ON COLUMN core.liquidation_events.event_date IS 'Date of the call, sale or distribution 清算日';
COMMENT ON COLUMN core.liquidation_events.price_cny IS 'Clean-up price or sale proceeds, CNY; NULL for in-kind 清仓回购价格（元）';
COMMENT ON COLUMN core.liquidation_events.remaining_pool_principal_cny IS 'Pool principal remaining at the event, CNY 剩余资产池本金（元）';
COMMENT ON COLUMN core.liquidation_events.pool_cumulative_default_rate IS 'Pool cumulative default rate at the event, fraction 清算时累计违约率';
COMMENT ON COLUMN core.liquidation_events.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.liquidation_events.source_page IS 'Page 来源页码';
COMMENT ON COLUMN core.liquidation_events.source_row_label IS 'Row label 来源行标签';

CREATE TABLE core.subordinated_cash_flows (
    tranche_id     VARCHAR NOT NULL,
    flow_date      DATE NOT NULL,
    flow_kind      VARCHAR NOT NULL,
    amount_cny     DECIMAL(20,2) NOT NULL,
    document_id    VARCHAR,
    PRIMARY KEY (tranche_id, flow_date, flow_kind)
);
COMMENT ON TABLE core.subordinated_cash_flows IS 'Cash paid to subordinated tranches, for IRR, one row per tranche, date and kind 次级档现金流';
COMMENT ON COLUMN core.subordinated_cash_flows.tranche_id IS 'Subordinated tranche 证券编号';
COMMENT ON COLUMN core.subordinated_cash_flows.flow_date IS 'Payment date 支付日';
COMMENT ON COLUMN core.subordinated_cash_flows.flow_kind IS 'principal, period_return, excess_return 现金流类型（本金/期间收益/超额收益）';
COMMENT ON COLUMN core.subordinated_cash_flows.amount_cny IS 'Amount paid, CNY 金额（元）';
COMMENT ON COLUMN core.subordinated_cash_flows.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.tranche_balances (
    tranche_id       VARCHAR NOT NULL,
    as_of_date       DATE NOT NULL,
    outstanding_cny  DECIMAL(20,2) NOT NULL,
    document_id      VARCHAR,
    source_page      INTEGER,
    PRIMARY KEY (tranche_id, as_of_date)
);
COMMENT ON TABLE core.tranche_balances IS 'Outstanding principal of tranches from vendor snapshot exports, one row per tranche and as-of date 证券存量余额';
COMMENT ON COLUMN core.tranche_balances.tranche_id IS 'Tranche 证券编号';
COMMENT ON COLUMN core.tranche_balances.as_of_date IS 'Snapshot date 截止日期';
COMMENT ON COLUMN core.tranche_balances.outstanding_cny IS 'Outstanding principal, CNY 债券余额（元）';
COMMENT ON COLUMN core.tranche_balances.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.tranche_balances.source_page IS 'Sheet row 来源行号';

-- ───────────────────────────── core: market data ─────────────────────────────
CREATE TABLE core.yield_curves (
    curve_id        VARCHAR NOT NULL,
    curve_name_zh   VARCHAR NOT NULL,
    curve_date      DATE NOT NULL,
    tenor_years     DECIMAL(10,4) NOT NULL,
    tenor_label     VARCHAR,
    yield_rate      DECIMAL(12,8) NOT NULL,
    document_id     VARCHAR,
    PRIMARY KEY (curve_id, curve_date, tenor_years)
);
COMMENT ON TABLE core.yield_curves IS 'ChinaBond yield curves, one row per curve, date and standard tenor 中债收益率曲线';
COMMENT ON COLUMN core.yield_curves.curve_id IS 'ChinaBond curve id (ycDefId) 曲线编号';
COMMENT ON COLUMN core.yield_curves.curve_name_zh IS 'Curve name, e.g. 中债中短期票据收益率曲线(AAA) 曲线名称';
COMMENT ON COLUMN core.yield_curves.curve_date IS 'Curve date 日期';
COMMENT ON COLUMN core.yield_curves.tenor_years IS 'Standard tenor in years 标准期限（年）';
COMMENT ON COLUMN core.yield_curves.tenor_label IS 'Tenor label as published (3m, 1y …) 标准期限说明';
COMMENT ON COLUMN core.yield_curves.yield_rate IS 'Yield, fraction 收益率';
COMMENT ON COLUMN core.yield_curves.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.bond_valuations (
    security_code    VARCHAR NOT NULL,
    valuation_date   DATE NOT NULL,
    valuation_yield  DECIMAL(12,8),
    clean_price      DECIMAL(12,4),
    document_id      VARCHAR,
    PRIMARY KEY (security_code, valuation_date)
);
COMMENT ON TABLE core.bond_valuations IS 'ChinaBond valuations of outstanding bonds and tranches, one row per security and date 中债估值';
COMMENT ON COLUMN core.bond_valuations.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN core.bond_valuations.valuation_date IS 'Valuation date 估值日期';
COMMENT ON COLUMN core.bond_valuations.valuation_yield IS 'Valuation yield, fraction 估值收益率';
COMMENT ON COLUMN core.bond_valuations.clean_price IS 'Clean price per 100 face 估值净价';
COMMENT ON COLUMN core.bond_valuations.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.market_totals (
    period_month          DATE NOT NULL,
    market                VARCHAR NOT NULL,
    issuance_count        INTEGER,
    issuance_amount_cny   DECIMAL(20,2),
    outstanding_count     INTEGER,
    outstanding_amount_cny DECIMAL(20,2),
    document_id           VARCHAR,
    PRIMARY KEY (period_month, market)
);
COMMENT ON TABLE core.market_totals IS 'Whole-ABS-market issuance and month-end outstanding, one row per month and market 全市场发行及存量';
COMMENT ON COLUMN core.market_totals.period_month IS 'First day of the month 月份';
COMMENT ON COLUMN core.market_totals.market IS 'Market: credit_abs, abn, exchange_abs 市场';
COMMENT ON COLUMN core.market_totals.issuance_count IS 'Deals issued in the month 发行单数';
COMMENT ON COLUMN core.market_totals.issuance_amount_cny IS 'Amount issued in the month, CNY 发行金额（元）';
COMMENT ON COLUMN core.market_totals.outstanding_count IS 'Deals outstanding at month end 存续单数';
COMMENT ON COLUMN core.market_totals.outstanding_amount_cny IS 'Amount outstanding at month end, CNY 存续金额（元）';
COMMENT ON COLUMN core.market_totals.document_id IS 'Document the row came from 来源文档';

-- ───────────────────────────── core: local AMCs ─────────────────────────────
CREATE TABLE core.amcs (
    amc_id            VARCHAR PRIMARY KEY,
    institution_id    VARCHAR NOT NULL,
    full_name_zh      VARCHAR NOT NULL,
    short_name_zh     VARCHAR NOT NULL,
    province          VARCHAR NOT NULL,
    ownership         VARCHAR NOT NULL,
    licence_status    VARCHAR NOT NULL,
    in_financial_sample BOOLEAN NOT NULL,
    document_id       VARCHAR
);
COMMENT ON TABLE core.amcs IS 'Local asset-management companies, one row per AMC that ever held a licence 地方资产管理公司';
COMMENT ON COLUMN core.amcs.amc_id IS 'Stable AMC id 地方AMC编号';
COMMENT ON COLUMN core.amcs.institution_id IS 'Same company in core.institutions 机构编号';
COMMENT ON COLUMN core.amcs.full_name_zh IS 'Full name 公司名称';
COMMENT ON COLUMN core.amcs.short_name_zh IS 'Short name 简称';
COMMENT ON COLUMN core.amcs.province IS 'Province 所在省份';
COMMENT ON COLUMN core.amcs.ownership IS 'state or private 股东性质（国有/民营）';
COMMENT ON COLUMN core.amcs.licence_status IS 'Current licence status: active, scope_removed, deregistered 牌照状态';
COMMENT ON COLUMN core.amcs.in_financial_sample IS 'Among the AMCs with public financial statements 是否为财务样本';
COMMENT ON COLUMN core.amcs.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.amc_licence_events (
    amc_id       VARCHAR NOT NULL,
    event_date   DATE NOT NULL,
    event_type   VARCHAR NOT NULL,
    description  VARCHAR,
    document_id  VARCHAR,
    PRIMARY KEY (amc_id, event_date, event_type)
);
COMMENT ON TABLE core.amc_licence_events IS 'Licence changes of local AMCs, one row per AMC, date and event 牌照变动';
COMMENT ON COLUMN core.amc_licence_events.amc_id IS 'AMC 地方AMC编号';
COMMENT ON COLUMN core.amc_licence_events.event_date IS 'Date of the change 变动日期';
COMMENT ON COLUMN core.amc_licence_events.event_type IS 'licensed, scope_removed, deregistered 变动类型';
COMMENT ON COLUMN core.amc_licence_events.description IS 'What happened 说明';
COMMENT ON COLUMN core.amc_licence_events.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.amc_bonds (
    security_code      VARCHAR PRIMARY KEY,
    amc_id             VARCHAR NOT NULL,
    short_name         VARCHAR NOT NULL,
    bond_type          VARCHAR NOT NULL,
    is_offshore        BOOLEAN NOT NULL,
    is_abs             BOOLEAN NOT NULL,
    currency           VARCHAR NOT NULL,
    amount_cny         DECIMAL(20,2),
    amount_original    DECIMAL(20,2) NOT NULL,
    term_years         DECIMAL(10,4) NOT NULL,
    coupon_rate        DECIMAL(12,8),
    value_date         DATE NOT NULL,
    maturity_date      DATE NOT NULL,
    next_put_date      DATE,
    guarantor_id       VARCHAR,
    issuer_rating      VARCHAR,
    issue_rating       VARCHAR,
    document_id        VARCHAR,
    source_page        INTEGER,
    source_row_label   VARCHAR
);
COMMENT ON TABLE core.amc_bonds IS 'Bonds and debt instruments issued by local AMCs, one row per security 地方AMC债券';
COMMENT ON COLUMN core.amc_bonds.security_code IS 'Code with market suffix 证券代码';
COMMENT ON COLUMN core.amc_bonds.amc_id IS 'Issuing AMC 发行人';
COMMENT ON COLUMN core.amc_bonds.short_name IS 'Short name, e.g. 20天乾01 证券简称';
COMMENT ON COLUMN core.amc_bonds.bond_type IS 'corporate_bond, mtn, scp, cp, ppn, private_bond, enterprise_bond, perpetual, offshore, abs 债券类型';
COMMENT ON COLUMN core.amc_bonds.is_offshore IS 'Issued offshore 是否海外债';
COMMENT ON COLUMN core.amc_bonds.is_abs IS 'Asset-backed security issued by the AMC 是否资产支持证券';
COMMENT ON COLUMN core.amc_bonds.currency IS 'Currency of issue: CNY or USD 币种';
COMMENT ON COLUMN core.amc_bonds.amount_cny IS 'Issued amount in CNY; NULL for foreign-currency bonds 发行金额（元）';
COMMENT ON COLUMN core.amc_bonds.amount_original IS 'Issued amount in the currency of issue 发行金额（原币）';
COMMENT ON COLUMN core.amc_bonds.term_years IS 'Term in years 期限（年）';
COMMENT ON COLUMN core.amc_bonds.coupon_rate IS 'Coupon, fraction 票面利率';
COMMENT ON COLUMN core.amc_bonds.value_date IS 'Value date 起息日';
COMMENT ON COLUMN core.amc_bonds.maturity_date IS 'Original maturity date 到期日';
COMMENT ON COLUMN core.amc_bonds.next_put_date IS 'Next put (exercise) date, if puttable 下一行权日';
COMMENT ON COLUMN core.amc_bonds.guarantor_id IS 'Guarantor, if guaranteed 担保人';
COMMENT ON COLUMN core.amc_bonds.issuer_rating IS 'Issuer rating at issue, canonical 主体评级';
COMMENT ON COLUMN core.amc_bonds.issue_rating IS 'Issue rating at issue, canonical 债项评级';
COMMENT ON COLUMN core.amc_bonds.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.amc_bonds.source_page IS 'Sheet row 来源行号';
COMMENT ON COLUMN core.amc_bonds.source_row_label IS 'Row label 来源行标签';

CREATE TABLE core.amc_bond_events (
    security_code      VARCHAR NOT NULL,
    event_date         DATE NOT NULL,
    event_type         VARCHAR NOT NULL,
    amount_cny         DECIMAL(20,2),
    new_maturity_date  DATE,
    document_id        VARCHAR,
    PRIMARY KEY (security_code, event_date, event_type)
);
COMMENT ON TABLE core.amc_bond_events IS 'Repayments, defaults, extensions and early redemptions of AMC bonds, one row per security, date and event 债券状态事件';
COMMENT ON COLUMN core.amc_bond_events.security_code IS 'Bond 证券代码';
COMMENT ON COLUMN core.amc_bond_events.event_date IS 'Date of the event 事件日期';
COMMENT ON COLUMN core.amc_bond_events.event_type IS 'repayment, put_repayment, early_redemption, default, extension 事件类型（兑付/回售/提前兑付/违约/展期）';
COMMENT ON COLUMN core.amc_bond_events.amount_cny IS 'Amount repaid or in default, CNY 金额（元）';
COMMENT ON COLUMN core.amc_bond_events.new_maturity_date IS 'Extension: the new maturity date 展期后到期日';
COMMENT ON COLUMN core.amc_bond_events.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.amc_issuer_ratings (
    amc_id        VARCHAR NOT NULL,
    agency_id     VARCHAR NOT NULL,
    rating_date   DATE NOT NULL,
    rating        VARCHAR,
    action_type   VARCHAR NOT NULL,
    document_id   VARCHAR,
    PRIMARY KEY (amc_id, agency_id, rating_date)
);
COMMENT ON TABLE core.amc_issuer_ratings IS 'Public issuer ratings of AMCs, one row per AMC, agency and rating date 主体评级';
COMMENT ON COLUMN core.amc_issuer_ratings.amc_id IS 'AMC 地方AMC编号';
COMMENT ON COLUMN core.amc_issuer_ratings.agency_id IS 'Rating agency 评级机构';
COMMENT ON COLUMN core.amc_issuer_ratings.rating_date IS 'Date of the rating action 评级日期';
COMMENT ON COLUMN core.amc_issuer_ratings.rating IS 'Issuer rating, canonical; NULL when withdrawn 主体级别';
COMMENT ON COLUMN core.amc_issuer_ratings.action_type IS 'assign, affirm, upgrade, downgrade, withdraw 评级行动';
COMMENT ON COLUMN core.amc_issuer_ratings.document_id IS 'Document the row came from 来源文档';

CREATE TABLE core.amc_financials (
    amc_id               VARCHAR NOT NULL,
    period_end_date      DATE NOT NULL,
    period_kind          VARCHAR NOT NULL,
    total_assets_cny     DECIMAL(20,2),
    investment_assets_cny DECIMAL(20,2),
    net_assets_cny       DECIMAL(20,2),
    paid_in_capital_cny  DECIMAL(20,2),
    total_debt_cny       DECIMAL(20,2),
    short_term_debt_cny  DECIMAL(20,2),
    cash_cny             DECIMAL(20,2),
    total_profit_cny     DECIMAL(20,2),
    net_profit_cny       DECIMAL(20,2),
    document_id          VARCHAR,
    source_page          INTEGER,
    source_row_label     VARCHAR,
    PRIMARY KEY (amc_id, period_end_date)
);
COMMENT ON TABLE core.amc_financials IS 'Financial statements of sampled AMCs, one row per AMC and period end (half-year or year) 财务数据';
COMMENT ON COLUMN core.amc_financials.amc_id IS 'AMC 地方AMC编号';
COMMENT ON COLUMN core.amc_financials.period_end_date IS 'Balance-sheet date 报告期末';
COMMENT ON COLUMN core.amc_financials.period_kind IS 'H1 (half year, profits for six months) or FY (full year) 报告期类型';
COMMENT ON COLUMN core.amc_financials.total_assets_cny IS 'Total assets, CNY 资产总额（元）';
COMMENT ON COLUMN core.amc_financials.investment_assets_cny IS 'Investment assets, CNY 投资类资产（元）';
COMMENT ON COLUMN core.amc_financials.net_assets_cny IS 'Net assets (owners'' equity), CNY 所有者权益（元）';
COMMENT ON COLUMN core.amc_financials.paid_in_capital_cny IS 'Paid-in capital, CNY 实收资本（元）';
COMMENT ON COLUMN core.amc_financials.total_debt_cny IS 'Total liabilities, CNY 负债总额（元）';
COMMENT ON COLUMN core.amc_financials.short_term_debt_cny IS 'Short-term interest-bearing debt, CNY 短期债务（元）';
COMMENT ON COLUMN core.amc_financials.cash_cny IS 'Cash and equivalents, CNY 现金类资产（元）';
COMMENT ON COLUMN core.amc_financials.total_profit_cny IS 'Total profit for the period, CNY 利润总额（元）';
COMMENT ON COLUMN core.amc_financials.net_profit_cny IS 'Net profit for the period, CNY 净利润（元）';
COMMENT ON COLUMN core.amc_financials.document_id IS 'Document the row came from 来源文档';
COMMENT ON COLUMN core.amc_financials.source_page IS 'Sheet row 来源行号';
COMMENT ON COLUMN core.amc_financials.source_row_label IS 'Row label 来源行标签';

-- ───────────────────────────── dq ─────────────────────────────
CREATE TABLE dq.runs (
    run_id           VARCHAR PRIMARY KEY,
    flow_name        VARCHAR NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    outcome          VARCHAR NOT NULL,
    message          VARCHAR,
    documents_fetched INTEGER,
    documents_loaded  INTEGER,
    documents_superseded INTEGER,
    documents_duplicate INTEGER,
    documents_skipped INTEGER,
    documents_quarantined INTEGER,
    rows_quarantined INTEGER,
    build_path       VARCHAR
);
COMMENT ON TABLE dq.runs IS 'Pipeline runs that published this build or an earlier one, one row per run 运行记录';
COMMENT ON COLUMN dq.runs.run_id IS 'Run id 运行编号';
COMMENT ON COLUMN dq.runs.flow_name IS 'Flow or command that ran 流程名称';
COMMENT ON COLUMN dq.runs.started_at IS 'Start time 开始时间';
COMMENT ON COLUMN dq.runs.finished_at IS 'End time 结束时间';
COMMENT ON COLUMN dq.runs.outcome IS 'published, refused, failed 运行结果';
COMMENT ON COLUMN dq.runs.message IS 'Summary or reason 说明';
COMMENT ON COLUMN dq.runs.documents_fetched IS 'Documents fetched in the run 抓取文档数';
COMMENT ON COLUMN dq.runs.documents_loaded IS 'Documents loaded 入库文档数';
COMMENT ON COLUMN dq.runs.documents_superseded IS 'Documents superseded by a revision 被更正文档数';
COMMENT ON COLUMN dq.runs.documents_duplicate IS 'Documents skipped as duplicates 重复文档数';
COMMENT ON COLUMN dq.runs.documents_skipped IS 'Documents skipped on purpose (e.g. English versions) 跳过文档数';
COMMENT ON COLUMN dq.runs.documents_quarantined IS 'Documents quarantined 隔离文档数';
COMMENT ON COLUMN dq.runs.rows_quarantined IS 'Rows quarantined by row-level expectations 隔离行数';
COMMENT ON COLUMN dq.runs.build_path IS 'Build file the run wrote 构建文件';

CREATE TABLE dq.results (
    run_id            VARCHAR NOT NULL,
    suite_name        VARCHAR NOT NULL,
    expectation       VARCHAR NOT NULL,
    column_name       VARCHAR,
    success           BOOLEAN NOT NULL,
    observed_value    VARCHAR,
    unexpected_count  BIGINT,
    element_count     BIGINT,
    checked_at        TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE dq.results IS 'Validation outcomes, one row per run, suite and expectation (or reconciliation) 数据质量校验结果';
COMMENT ON COLUMN dq.results.run_id IS 'Run 运行编号';
COMMENT ON COLUMN dq.results.suite_name IS 'Suite (one per table) or reconciliation group 校验套件';
COMMENT ON COLUMN dq.results.expectation IS 'Expectation or reconciliation name with its arguments 校验规则';
COMMENT ON COLUMN dq.results.column_name IS 'Column checked, if any 字段';
COMMENT ON COLUMN dq.results.success IS 'Passed 是否通过';
COMMENT ON COLUMN dq.results.observed_value IS 'Observed value as text 观测值';
COMMENT ON COLUMN dq.results.unexpected_count IS 'Rows that failed 不合格行数';
COMMENT ON COLUMN dq.results.element_count IS 'Rows checked 校验行数';
COMMENT ON COLUMN dq.results.checked_at IS 'When it was checked 校验时间';

CREATE TABLE dq.quarantine (
    run_id          VARCHAR NOT NULL,
    target_table    VARCHAR,
    document_id     VARCHAR,
    source_page     INTEGER,
    field           VARCHAR,
    offending_value VARCHAR,
    check_name      VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    row_json        VARCHAR,
    quarantined_at  TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE dq.quarantine IS 'Documents and rows kept out of core tables, one row per quarantined document or row 隔离区';
COMMENT ON COLUMN dq.quarantine.run_id IS 'Run that quarantined it 运行编号';
COMMENT ON COLUMN dq.quarantine.target_table IS 'Table the row was meant for; NULL for a whole document 目标表';
COMMENT ON COLUMN dq.quarantine.document_id IS 'Document 来源文档';
COMMENT ON COLUMN dq.quarantine.source_page IS 'Page 页码';
COMMENT ON COLUMN dq.quarantine.field IS 'Field that failed 字段';
COMMENT ON COLUMN dq.quarantine.offending_value IS 'Value that failed, as text 问题值';
COMMENT ON COLUMN dq.quarantine.check_name IS 'Parser error kind or expectation that failed 校验规则';
COMMENT ON COLUMN dq.quarantine.reason IS 'Human-readable reason naming document, page, field and value 原因';
COMMENT ON COLUMN dq.quarantine.row_json IS 'The row as JSON, for rows 原始行（JSON）';
COMMENT ON COLUMN dq.quarantine.quarantined_at IS 'When 隔离时间';

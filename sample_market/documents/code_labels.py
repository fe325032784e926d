"""How the sample market prints the warehouse's codes: one Chinese spelling per code.

Vendor exports and announcements print institution types, tranche classes, repayment and
coupon types, enhancement kinds and asset classes as words. These are the generator's own
spellings, kept here and never read from the parsers' vocabularies: a document written with
the reader's own words would only prove that the reader knows what it knows. Where the
parser's vocabulary lacks a spelling printed here, the end-to-end test shows it.
"""

from __future__ import annotations

# core.institutions.institution_type → the type column of Wind-style exports and announcements.
INSTITUTION_TYPE_LABELS: dict[str, str] = {
    "state_owned_bank": "国有大型商业银行",
    "joint_stock_bank": "股份制商业银行",
    "city_commercial_bank": "城市商业银行",
    "rural_commercial_bank": "农村商业银行",
    "private_bank": "民营银行",
    "foreign_bank": "外资银行",
    "trust": "信托公司",
    "securities_firm": "证券公司",
    "internet_platform": "互联网平台",
    "micro_lender": "小额贷款公司",
    "financing_guarantor": "融资担保公司",
    "pc_insurer": "财产保险公司",
    "lessor": "融资租赁公司",
    "consumer_finance": "消费金融公司",
    "auto_finance": "汽车金融公司",
    "local_amc": "地方资产管理公司",
    "national_amc": "金融资产管理公司",
    "rating_agency": "评级机构",
    "corporate": "一般企业",
    "other": "其他",
}

# core.tranches.tranche_class (Wind 分层类别, CNABS 类型, announcements 类别).
TRANCHE_CLASS_LABELS = {"senior": "优先级", "mezzanine": "夹层级", "subordinated": "次级"}
COUPON_TYPE_LABELS = {"fixed": "固定", "floating": "浮动"}
# core.tranches.amortisation: Wind and the announcements spell it out, CNABS is terse.
AMORTISATION_LABELS = {"pass_through": "过手摊还", "bullet": "到期一次还本"}
CNABS_AMORTISATION_LABELS = {"pass_through": "过手", "bullet": "到期还本"}
ENHANCEMENT_KIND_LABELS = {"guarantee": "担保", "shortfall_payment": "差额支付", "repurchase": "回购"}
RELATION_LABELS = {"originator": "原始权益人", "related_party": "关联方", "professional_guarantor": "专业担保机构",
                   "other": "其他"}
SUBCLASS_LABELS = {"corporate_leasing": "企业融资租赁", "small_micro_leasing": "小微融资租赁",
                   "credit_npl": "信用类不良", "mortgage_npl": "抵押类不良"}
# core.deals.asset_class → 基础资产类型.
ASSET_CLASS_LABELS = {
    "npl": "不良资产",
    "residential_mortgage": "个人住房抵押贷款",
    "auto_loan": "个人汽车抵押贷款",
    "credit_card": "信用卡分期",
    "consumer_loan": "个人消费贷款",
    "micro_enterprise_loan": "微小企业贷款",
    "small_micro_loan": "小微企业贷款",
    "corporate_loan": "企业贷款",
    "leasing": "融资租赁",
    "supply_chain": "供应链",
    "accounts_receivable": "应收账款",
    "microcredit": "小额贷款",
    "real_estate": "持有型不动产/CMBS",
    "infrastructure": "基础设施",
}

# Rating agencies' legal names → the column CNABS exports print their ratings under.
CNABS_AGENCY_COLUMNS = {
    "联合资信评估股份有限公司": "联合资信",
    "中诚信国际信用评级有限责任公司": "中诚信国际",
    "大公国际资信评估有限公司": "大公国际",
    "东方金诚国际信用评估有限公司": "东方金诚",
    "中证鹏元资信评估股份有限公司": "鹏元资信",
    "上海新世纪资信评估投资服务有限公司": "新世纪评级",
    "联合信用评级有限公司": "联合信用",
    "中债资信评估有限责任公司": "中债资信",
}


def asset_class_label(code: str) -> str:
    """The printed asset class, or the code itself for one the market has no word for."""
    return ASSET_CLASS_LABELS.get(code, code)

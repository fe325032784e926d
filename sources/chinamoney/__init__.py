"""中国货币网 (chinamoney.com.cn) notices: ABN 资产运营报告; see ``notices.py`` and README.md."""

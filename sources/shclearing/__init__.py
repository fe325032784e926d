"""上海清算所 (shclearing.com.cn) bulletins: ABN 资产运营报告; see ``bulletins.py`` and README.md."""

"""ChinaBond (中央结算公司, www.chinabond.com.cn) connectors: disclosure listing and yield curves."""

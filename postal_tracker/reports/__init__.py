"""Reports: the desk's daily outcome sheet and the monthly report to the district."""

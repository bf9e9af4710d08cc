"""One window module (or package) per department; which one is which is `erp_desktop.departments`."""

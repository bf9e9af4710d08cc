"""Master data kept in the app: customers, suppliers, products with their bills of materials, warehouses,
work centres, units, the opening stock count and the administrator's data-quality view.

Each record type is one module holding its page (a live list with a search box, a "show inactive" toggle and
the keyboard of every list: Ctrl+N new, Enter or F2 edit, Delete deactivate or delete) and its form. The role
windows put the pages in tabs (`MasterDataActions` gives them one set of toolbar actions that follows the
current tab). Which fields a form lets the person change comes from `erp.master_data_duties()`; the database
enforces the same, and its refusals mark the field they name.
"""

-- Production: releases, schedules, reports progress, completes and cancels production orders.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON production_orders, production_components, production_schedule, work_centre_backlog
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION _components_missing(bigint), plan_schedule(jsonb, jsonb, date),
    _planned_end(date, numeric, numeric, numeric)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION release_production_order(bigint), report_production_progress(bigint, numeric),
    complete_production_order(bigint), cancel_production_order(bigint), schedule_production(date)
    TO erp_production;

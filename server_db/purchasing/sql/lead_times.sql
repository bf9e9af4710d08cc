CREATE OR REPLACE FUNCTION erp.buy_lead_time(p_product_id bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(p.lead_time_days, 0), s.lead_time_days, 0)
    FROM erp.products p LEFT JOIN erp.suppliers s ON s.id = p.default_supplier_id
    WHERE p.id = p_product_id
$$;

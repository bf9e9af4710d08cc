-- The data-quality list: master data that breaks a data standard (records written before the rule existed, or
-- by hand past the trigger), likely duplicates, products without a cost or a lead time, made products without a
-- bill of materials. Set-based: one query per rule of erp.data_rules(), whatever the number of records.
CREATE OR REPLACE FUNCTION erp.data_quality()
RETURNS TABLE (table_name text, record_id bigint, code text, field text, problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_rule record;
BEGIN
    FOR v_rule IN SELECT d.table_name, d.field, d.check_sql, d.sentence, d.n
                    FROM erp.data_rules() WITH ORDINALITY d(table_name, field, rule, check_sql, sentence, n)
                   ORDER BY d.n
    LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, r.id, r.%I, %L::text, %L::text FROM erp.%I r WHERE NOT coalesce((%s), true)',
            v_rule.table_name, CASE v_rule.table_name WHEN 'products' THEN 'sku' ELSE 'code' END, v_rule.field,
            v_rule.sentence, v_rule.table_name, v_rule.check_sql);
    END LOOP;
    -- likely duplicates, each pair once (on the later record)
    FOR v_rule IN SELECT t.name AS table_name, t.label FROM (VALUES ('customers', 'customer'), ('suppliers', 'supplier'))
                  t(name, label)
    LOOP
        RETURN QUERY EXECUTE format($q$
            SELECT %1$L::text, b.id, b.code, 'tax_id'::text, format('Same unified social credit code as %2$s %%s (%%s).', a.code, a.name)
              FROM erp.%1$I a JOIN erp.%1$I b ON a.tax_id = b.tax_id AND a.id < b.id
            UNION ALL
            SELECT %1$L::text, b.id, b.code, 'name'::text, format('Same name as %2$s %%s (%%s).', a.code, a.name)
              FROM erp.%1$I a JOIN erp.%1$I b ON erp.name_key(a.name) = erp.name_key(b.name) AND a.id < b.id
            UNION ALL
            SELECT %1$L::text, b.id, b.code, 'phone'::text, format('Same phone number as %2$s %%s (%%s).', a.code, a.name)
              FROM erp.%1$I a JOIN erp.%1$I b ON erp.phone_key(a.phone) = erp.phone_key(b.phone) AND a.id < b.id
        $q$, v_rule.table_name, v_rule.label);
    END LOOP;
    RETURN QUERY
        SELECT 'products'::text, p.id, p.sku, 'cost'::text, 'The product has no cost.'::text
          FROM products p WHERE p.active AND p.cost = 0
        UNION ALL
        SELECT 'products', p.id, p.sku, 'lead_time_days', 'The bought product has no lead time.'
          FROM products p WHERE p.active AND p.procurement = 'buy' AND p.lead_time_days = 0
        UNION ALL
        SELECT 'products', p.id, p.sku, 'bom', 'The product is made in-house but has no bill of materials.'
          FROM products p WHERE p.active AND p.procurement = 'make'
                            AND NOT EXISTS (SELECT FROM bom_lines b WHERE b.product_id = p.id);
END $$;

-- Imports: writing what a person's file holds, all rows at once. The import (server_db/transfer/imports.py)
-- streams the file into a temporary table of its own session, pg_temp.import_rows (row_no, ok, and one typed
-- column per field of the file), validates it set-based and then calls one of these functions, which read
-- only that table of the calling session (pg_temp is always the session's own) and only its rows marked ok.
-- They check the person's duty first, write as the schema's owner, upsert by code so that importing the same
-- file twice changes nothing (and writes no audit rows), and write one 'imported' event per document type
-- instead of one per row (erp.document_events stays quiet while the import writes: see erp._importing_now).

-- Master data of one kind (customers, suppliers, products, warehouses, work_centres) by its code: new codes
-- are inserted, known ones get the file's columns (an empty cell keeps what is there). p_columns are the
-- fields of the file. Returns {"inserted": n, "updated": n, "unchanged": n}.
CREATE OR REPLACE FUNCTION erp.import_master_data(p_kind text, p_columns text[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_table text;
    v_key text;
    v_document text;
    v_field text;
    v_column text;
    v_columns text[] := '{}';       -- table columns the file sets, key first
    v_fields text[] := '{}';        -- the file's field for each of them
    v_insert text[] := '{}';
    v_select text[] := '{}';
    v_changed text[];
    v_default text;
    v_sql text;
    v_inserted bigint := 0;
    v_updated bigint := 0;
    v_total bigint;
    v_gives boolean[];             -- per column: the file gives it to a new record
    v_changes boolean[];           -- per column: the file changes it in an existing record
    v_giving text[] := '{}';       -- columns the import gives new records
    v_changing text[] := '{}';     -- columns whose values it changes in existing records
BEGIN
    SELECT m.t, m.k, m.d INTO v_table, v_key, v_document
      FROM (VALUES ('customers', 'customers', 'code', 'customer'), ('suppliers', 'suppliers', 'code', 'supplier'),
                   ('products', 'products', 'sku', 'product'), ('warehouses', 'warehouses', 'code', 'warehouse'),
                   ('work_centres', 'work_centres', 'code', 'work_centre')) AS m(kind, t, k, d)
     WHERE m.kind = p_kind;
    IF v_table IS NULL THEN
        PERFORM erp.fail('ER001', '%s cannot be imported as master data.', coalesce(p_kind, 'Nothing'));
    END IF;
    IF NOT v_key = ANY (p_columns) THEN
        PERFORM erp.fail_at(v_key, 'ER001', 'The file needs a %s column.', v_key);
    END IF;
    FOREACH v_field IN ARRAY array_prepend(v_key, array_remove(p_columns, v_key)) LOOP
        v_column := CASE v_field WHEN 'default_supplier' THEN 'default_supplier_id'
                                 WHEN 'work_centre' THEN 'work_centre_id' ELSE v_field END;
        IF v_column IN ('id', 'version', 'created_at') OR NOT EXISTS (
                SELECT FROM pg_attribute WHERE attrelid = format('erp.%I', v_table)::regclass AND attname = v_column
                   AND attnum > 0 AND NOT attisdropped) THEN
            PERFORM erp.fail_at(v_field, 'ER001', '%s have no column %s.', initcap(replace(v_table, '_', ' ')), v_field);
        END IF;
        v_columns := v_columns || v_column;
        v_fields := v_fields || v_field;
    END LOOP;

    -- a new record takes the default of a column whose cell is empty; a known one keeps its value. Only new
    -- codes are inserted and only records whose columns differ are updated: an unchanged row fires no trigger
    -- and writes no audit row
    FOR i IN 1 .. cardinality(v_columns) LOOP
        SELECT pg_get_expr(d.adbin, d.adrelid) INTO v_default
          FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = format('erp.%I', v_table)::regclass AND a.attname = v_columns[i];
        v_insert := v_insert || format('%I', v_columns[i]);
        v_select := v_select || ((CASE
            WHEN v_fields[i] = 'default_supplier' THEN
                'coalesce((SELECT r.id FROM erp.suppliers r WHERE r.code = s.default_supplier), t.default_supplier_id)'
            WHEN v_fields[i] = 'work_centre' THEN
                'coalesce((SELECT r.id FROM erp.work_centres r WHERE r.code = s.work_centre), t.work_centre_id)'
            ELSE format('coalesce(s.%I, t.%I%s)', v_fields[i], v_columns[i], coalesce(', ' || v_default, '')) END)
            || format(' AS %I', v_columns[i]));
    END LOOP;
    v_sql := format('SELECT s.row_no AS import_row_no, t.%2$I IS NULL AS import_is_new, %3$s'
                    '  FROM pg_temp.import_rows s LEFT JOIN erp.%1$I t ON t.%2$I = s.%2$I WHERE s.ok',
                    v_table, v_key, array_to_string(v_select, ', '));

    -- the person's duty, for what the import would really write: the columns it gives new records (a
    -- column whose cells are all empty gives nothing) and the columns whose values it changes in existing
    -- ones (an export of the same records, re-imported, passes whoever keeps which column)
    EXECUTE format('SELECT count(*) FILTER (WHERE n.import_is_new), count(*), ARRAY[%s], ARRAY[%s]'
                   '  FROM (%s) n LEFT JOIN erp.%I cur ON cur.%I = n.%I AND NOT n.import_is_new',
                   (SELECT string_agg(format('coalesce(bool_or(n.import_is_new AND n.given_%s), false)', i), ', ')
                      FROM generate_series(1, cardinality(v_columns)) i),
                   (SELECT string_agg(format('coalesce(bool_or(NOT n.import_is_new AND cur.%1$I IS DISTINCT FROM n.%1$I),'
                                         ' false)', c), ', ')
                      FROM unnest(v_columns) c),
                   replace(v_sql, ' FROM pg_temp.import_rows s',
                           (SELECT string_agg(format(', s.%I IS NOT NULL AS given_%s', v_fields[i], i), '')
                              FROM generate_series(1, cardinality(v_columns)) i) || ' FROM pg_temp.import_rows s'),
                   v_table, v_key, v_key)
       INTO v_inserted, v_total, v_gives, v_changes;
    FOR i IN 1 .. cardinality(v_columns) LOOP
        IF v_gives[i] THEN
            v_giving := v_giving || v_columns[i];
        END IF;
        IF v_changes[i] AND i > 1 THEN
            v_changing := v_changing || v_columns[i];
        END IF;
    END LOOP;
    IF v_inserted > 0 THEN
        PERFORM erp._check_master_data_write(v_table, array_prepend(v_key, array_remove(v_giving, v_key)), true);
    END IF;
    IF cardinality(v_changing) > 0 THEN
        PERFORM erp._check_master_data_write(v_table, v_changing, false);
    END IF;
    v_inserted := 0;
    v_changed := ARRAY(SELECT format('%I', c) FROM unnest(v_changing) c);

    PERFORM erp._importing(true);
    EXECUTE format('INSERT INTO erp.%1$I (%2$s) SELECT %2$s FROM (%3$s) n WHERE n.import_is_new ORDER BY n.import_row_no',
                   v_table, array_to_string(v_insert, ', '), v_sql);
    GET DIAGNOSTICS v_inserted = ROW_COUNT;
    IF cardinality(v_changed) > 0 THEN
        EXECUTE format('UPDATE erp.%1$I cur SET (%2$s) = ROW(%3$s) FROM (%4$s) n'
                       ' WHERE NOT n.import_is_new AND cur.%5$I = n.%5$I AND (%6$s) IS DISTINCT FROM (%3$s)',
                       v_table, array_to_string(v_changed, ', '),
                       (SELECT string_agg('n.' || c, ', ') FROM unnest(v_changed) c), v_sql, v_key,
                       (SELECT string_agg('cur.' || c, ', ') FROM unnest(v_changed) c));
        GET DIAGNOSTICS v_updated = ROW_COUNT;
    END IF;
    PERFORM erp._importing(false);
    PERFORM erp._imported(v_document, v_inserted, v_updated);
    RETURN jsonb_build_object('inserted', v_inserted, 'updated', v_updated,
                              'unchanged', v_total - v_inserted - v_updated);
END $$;

-- Prices and costs of products that exist (an empty cell keeps what is there).
CREATE OR REPLACE FUNCTION erp.import_prices(p_columns text[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_has_price boolean := 'price' = ANY (p_columns);
    v_has_cost boolean := 'cost' = ANY (p_columns);
    v_updated bigint;
    v_total bigint;
BEGIN
    IF NOT (v_has_price OR v_has_cost) THEN
        PERFORM erp.fail('ER001', 'The file needs a price or a cost column.');
    END IF;
    PERFORM erp._check_master_data_write('products', ARRAY(SELECT c FROM unnest(ARRAY['price', 'cost']) c
                                                            WHERE c = ANY (p_columns)), false);
    SELECT count(*) INTO v_total FROM pg_temp.import_rows s WHERE s.ok;
    PERFORM erp._importing(true);
    EXECUTE format('UPDATE erp.products p SET price = coalesce(%1$s, p.price), cost = coalesce(%2$s, p.cost)'
                   '  FROM pg_temp.import_rows s WHERE s.ok AND p.sku = s.sku'
                   '   AND (p.price, p.cost) IS DISTINCT FROM (coalesce(%1$s, p.price), coalesce(%2$s, p.cost))',
                   CASE WHEN v_has_price THEN 's.price' ELSE 'NULL' END,
                   CASE WHEN v_has_cost THEN 's.cost' ELSE 'NULL' END);
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    PERFORM erp._importing(false);
    PERFORM erp._imported('product', 0, v_updated);
    RETURN jsonb_build_object('inserted', 0, 'updated', v_updated, 'unchanged', v_total - v_updated);
END $$;

-- Bills of materials: each product in the file gets exactly the file's components (lines of its bill that
-- the file does not list are removed); counted by line.
CREATE OR REPLACE FUNCTION erp.import_bom() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_sku text;
    v_inserted bigint;
    v_updated bigint;
    v_total bigint;
BEGIN
    IF NOT has_function_privilege(session_user, 'erp.set_bill_of_materials(bigint, jsonb)', 'EXECUTE') THEN
        PERFORM erp.fail('ER007', 'Only the admin may change bills of materials; you are logged in as %s.',
                         coalesce(erp.my_department(), 'a user without a department'));
    END IF;
    SELECT count(*) INTO v_total FROM erp._import_bom_lines();
    -- the import checked these (and cycles) for every row already; this is the guard for a hand-filled table
    SELECT p.sku INTO v_sku FROM erp._import_bom_lines() n JOIN products p ON p.id = n.product_id
     WHERE p.procurement <> 'make' OR n.product_id = n.component_id LIMIT 1;
    IF FOUND THEN
        PERFORM erp.fail_at('product', 'ER001', '%s is bought, or listed as its own component.', v_sku);
    END IF;
    PERFORM 1 FROM products WHERE id IN (SELECT product_id FROM erp._import_bom_lines()) ORDER BY id FOR UPDATE;
    DELETE FROM bom_lines b
     WHERE b.product_id IN (SELECT product_id FROM erp._import_bom_lines())
       AND NOT EXISTS (SELECT FROM erp._import_bom_lines() n WHERE n.product_id = b.product_id
                                                              AND n.component_id = b.component_id);
    UPDATE bom_lines b SET quantity = n.quantity FROM erp._import_bom_lines() n
     WHERE n.product_id = b.product_id AND n.component_id = b.component_id AND b.quantity <> n.quantity;
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    INSERT INTO bom_lines (product_id, component_id, quantity)
    SELECT n.product_id, n.component_id, n.quantity FROM erp._import_bom_lines() n
     WHERE NOT EXISTS (SELECT FROM bom_lines b WHERE b.product_id = n.product_id AND b.component_id = n.component_id);
    GET DIAGNOSTICS v_inserted = ROW_COUNT;
    PERFORM erp._imported('product', v_inserted, v_updated);
    RETURN jsonb_build_object('inserted', v_inserted, 'updated', v_updated,
                              'unchanged', v_total - v_inserted - v_updated);
END $$;

-- Opening stock (or any count): on hand becomes the counted quantity, warehouse by warehouse, through
-- erp.count_stock (the warehouse's duty).
CREATE OR REPLACE FUNCTION erp.import_opening_stock(p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    w record;
    v_updated bigint;
    v_total bigint;
BEGIN
    IF NOT has_function_privilege(session_user, 'erp.count_stock(bigint, jsonb, text)', 'EXECUTE') THEN
        PERFORM erp.fail('ER007', 'Only the warehouse may set stock on hand; you are logged in as %s.',
                         coalesce(erp.my_department(), 'a user without a department'));
    END IF;
    SELECT count(*), count(*) FILTER (WHERE sl.on_hand IS DISTINCT FROM s.quantity) INTO v_total, v_updated
      FROM pg_temp.import_rows s JOIN warehouses wh ON wh.code = s.warehouse JOIN products p ON p.sku = s.sku
      LEFT JOIN stock_levels sl ON sl.product_id = p.id AND sl.warehouse_id = wh.id
     WHERE s.ok;
    FOR w IN SELECT wh.id, jsonb_agg(jsonb_build_object('product_id', p.id, 'counted', s.quantity) ORDER BY s.row_no) AS lines
               FROM pg_temp.import_rows s JOIN warehouses wh ON wh.code = s.warehouse JOIN products p ON p.sku = s.sku
              WHERE s.ok GROUP BY wh.id ORDER BY wh.id
    LOOP
        PERFORM erp.count_stock(w.id, w.lines, p_reason);
    END LOOP;
    RETURN jsonb_build_object('inserted', 0, 'updated', v_updated, 'unchanged', v_total - v_updated);
END $$;

-- The lines of the bills of materials file, as ids.
CREATE OR REPLACE FUNCTION erp._import_bom_lines()
RETURNS TABLE (product_id bigint, component_id bigint, quantity numeric)
LANGUAGE plpgsql STABLE SET search_path = erp, pg_temp AS $$
BEGIN
    -- plpgsql, not sql: the staging table exists only while an import runs
    RETURN QUERY SELECT p.id, c.id, s.quantity
      FROM pg_temp.import_rows s JOIN erp.products p ON p.sku = s.product JOIN erp.products c ON c.sku = s.component
     WHERE s.ok;
END $$;

-- The one event of an import, for the screens that list that kind of record: they reload the list.
CREATE OR REPLACE FUNCTION erp._imported(p_document_type text, p_inserted bigint, p_updated bigint) RETURNS void
LANGUAGE plpgsql SET search_path = erp, pg_temp AS $$
BEGIN
    IF p_inserted + p_updated > 0 THEN
        PERFORM erp.emit_event('imported', NULL, p_document_type, 0, NULL, NULL, NULL,
                               jsonb_build_object('inserted', p_inserted, 'updated', p_updated));
    END IF;
END $$;

-- While an import writes: per-row events are replaced by erp._imported's one event (see erp.document_event).
CREATE OR REPLACE FUNCTION erp._importing(p_on boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF p_on THEN
        INSERT INTO import_transactions DEFAULT VALUES ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM import_transactions WHERE xid = pg_current_xact_id();
    END IF;
    PERFORM set_config('erp.importing', CASE WHEN p_on THEN 'on' ELSE 'off' END, true);
END $$;

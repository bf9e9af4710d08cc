-- Data standards of master data that the tables' CHECK constraints use.

-- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, last one a check character.
CREATE OR REPLACE FUNCTION erp.is_valid_uscc(code text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKLMNPQRTUWXY';
    weights constant int[] := ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28];
    total int := 0;
    pos int;
    expected int;
BEGIN
    IF code !~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$' THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        pos := strpos(alphabet, substr(code, i, 1)) - 1;
        total := total + pos * weights[i];
    END LOOP;
    expected := (31 - total % 31) % 31;
    RETURN substr(alphabet, expected + 1, 1) = substr(code, 18, 1);
END $$;

-- A made product's components, replaced whole. p_lines: [{"component_id", "quantity"}, ...] in the order the
-- person listed them (a refusal names `bom[n]`). A component cannot, even indirectly, contain the product.
CREATE OR REPLACE FUNCTION erp.set_bill_of_materials(p_product_id bigint, p_lines jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    p products%ROWTYPE;
    l record;
BEGIN
    SELECT * INTO p FROM products WHERE id = p_product_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'product', p_product_id);
    IF p.procurement <> 'make' AND jsonb_array_length(coalesce(p_lines, '[]')) > 0 THEN
        PERFORM erp.fail_at('bom', 'ER001', '%s is bought, so it has no bill of materials.', p.sku);
    END IF;
    FOR l IN SELECT x.n, x.component_id, c.sku,
                    count(*) OVER (PARTITION BY x.component_id ORDER BY x.n) AS seen_before,
                    x.component_id = p_product_id OR x.component_id IN (
                        WITH RECURSIVE containing(product_id) AS (
                            SELECT b.product_id FROM bom_lines b WHERE b.component_id = p_product_id
                            UNION
                            SELECT b.product_id FROM bom_lines b JOIN containing ON b.component_id = containing.product_id
                        ) SELECT product_id FROM containing) AS makes_a_cycle
               FROM erp._bom_input(p_lines) x
               LEFT JOIN products c ON c.id = x.component_id
              ORDER BY x.n
    LOOP
        IF l.sku IS NULL THEN
            PERFORM erp.fail_at(format('bom[%s]', l.n), 'ER001', 'Component %s: there is no product #%s.', l.n::text,
                                coalesce(l.component_id::text, '?'));
        ELSIF l.seen_before > 1 THEN
            PERFORM erp.fail_at(format('bom[%s]', l.n), 'ER001', '%s is listed twice in the bill of materials.', l.sku);
        ELSIF l.makes_a_cycle THEN
            PERFORM erp.fail_at(format('bom[%s]', l.n), 'ER001', '%s contains %s; a product cannot contain itself.',
                                l.sku, p.sku);
        END IF;
    END LOOP;
    DELETE FROM bom_lines WHERE product_id = p_product_id;
    INSERT INTO bom_lines (product_id, component_id, quantity)
    SELECT p_product_id, x.component_id, x.quantity FROM erp._bom_input(p_lines) x ORDER BY x.n;
    -- the product's lists (its cost, what it is made of) follow the change live
    PERFORM erp.emit_event('updated', NULL, 'product', p.id, NULL, NULL, NULL,
                           jsonb_build_object('sku', p.sku, 'changed', jsonb_build_array('bom')));
END $$;

-- The lines of a bill of materials as given, numbered from 1.
CREATE OR REPLACE FUNCTION erp._bom_input(p_lines jsonb)
RETURNS TABLE (n bigint, component_id bigint, quantity numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT e.n, (e.value ->> 'component_id')::bigint, (e.value ->> 'quantity')::numeric
      FROM jsonb_array_elements(coalesce(p_lines, '[]')) WITH ORDINALITY AS e(value, n)
$$;

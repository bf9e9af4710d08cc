-- Likely duplicates of customers and suppliers: the same tax id (refused outright by the data-standards
-- trigger), the same name once the company form is taken off, or the same phone number.
--
-- The name key: NFKC (full-width letters, digits and brackets become half-width), lower case, punctuation and
-- spaces dropped, and the company form at the end taken off, repeatedly: 股份有限公司 有限责任公司 有限公司
-- 集团 公司 厂 and Co., Ltd. / Co Ltd / Ltd / Limited / Inc / LLC / GmbH / Corporation / Corp / Company / Co
-- / Group, with or without brackets. So 上海华信电子有限公司, 上海华信电子股份有限公司 and 上海华信电子（有限公司） share
-- a key, as do "Huaxin Electronics Co., Ltd." and "HUAXIN ELECTRONICS LTD". A region in brackets, such as
-- 华信电子（中国）有限公司, is kept (only its brackets go): a Chinese subsidiary is a company of its own.
-- A name that is nothing but a company form keeps its whole compacted text as key.
CREATE OR REPLACE FUNCTION erp.name_key(p_name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    -- ASCII punctuation, general punctuation, CJK symbols and punctuation, the middle dots, full-width forms
    punctuation constant text := '[\s\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e\u00a0-\u00bf\u2010-\u205e\u3000-\u303f\u30fb\ufe30-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+';
    english_form constant text :=
        '\s(co|ltd|limited|inc|incorporated|llc|gmbh|ag|corporation|corp|company|group|plc|sa|bv)$';
    -- spaces between the characters do not hide the form: 有限 公司 is 有限公司
    chinese_form constant text :=
        '(股\s*份\s*有\s*限\s*公\s*司|有\s*限\s*责\s*任\s*公\s*司|有\s*限\s*公\s*司|集\s*团|公\s*司|厂)$';
    v_words text;
    v_before text;
    v_key text;
BEGIN
    v_words := btrim(regexp_replace(normalize(lower(normalize(p_name, NFKC)), NFKC), punctuation, ' ', 'g'));
    LOOP
        v_before := v_words;
        v_words := btrim(regexp_replace(' ' || v_words, english_form, ''));
        v_words := btrim(regexp_replace(v_words, chinese_form, ''));
        EXIT WHEN v_words = v_before OR v_words = '';
    END LOOP;
    v_key := replace(v_words, ' ', '');
    IF v_key = '' THEN
        v_key := regexp_replace(normalize(lower(normalize(p_name, NFKC)), NFKC), punctuation, '', 'g');
    END IF;
    RETURN v_key;
END $$;

-- The phone key: the digits only, without an extension, without the country code 86 (0086, +86), with the
-- trunk 0 of a landline put back: '+86 21 5080 1234' and '021-5080-1234' share '02150801234'; another
-- country's number without its 00 ('+49 30 1234 5678' and '0049 30 1234 5678' share '493012345678'). NULL
-- when there are fewer than 5 digits (nothing to compare).
CREATE OR REPLACE FUNCTION erp.phone_key(p_phone text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    v_digits text := regexp_replace(
        regexp_replace(normalize(p_phone, NFKC), '\s*(转|分机|ext\.?|x|#)\s*[0-9]{1,6}\s*$', '', 'i'), '[^0-9]', '', 'g');
    v_national boolean := false;
BEGIN
    IF v_digits LIKE '0086%' THEN
        v_digits := substr(v_digits, 5);
        v_national := true;
    ELSIF v_digits LIKE '86%' AND length(v_digits) >= 11 THEN
        -- a number in China never starts with 86 (landlines start with 0, mobiles with 1)
        v_digits := substr(v_digits, 3);
        v_national := true;
    ELSIF v_digits LIKE '00%' THEN
        v_digits := substr(v_digits, 3);  -- another country's number dialled with 00: the same as with +
    END IF;
    IF v_national AND v_digits !~ '^(1[3-9][0-9]{9}$|400|800|0)' THEN
        v_digits := '0' || v_digits;
    END IF;
    RETURN CASE WHEN length(v_digits) >= 5 THEN v_digits END;
END $$;

-- The customers or suppliers that look like the record described: the same tax id, the same name key or the
-- same phone key. p_id: the record itself (left out), NULL for a new one. Each candidate once, with the
-- strongest reason: 'tax_id', then 'name', then 'phone'.
CREATE OR REPLACE FUNCTION erp.likely_duplicates(p_table text, p_id bigint, p_name text, p_tax_id text,
                                                 p_phone text)
RETURNS TABLE (id bigint, code text, name text, tax_id text, phone text, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_name_key text := nullif(erp.name_key(p_name), '');
    v_phone_key text := erp.phone_key(p_phone);
    v_tax_id text := nullif(replace(erp.normalise_code(p_tax_id), ' ', ''), '');
BEGIN
    IF p_table IS NULL OR p_table NOT IN ('customers', 'suppliers') THEN
        PERFORM erp.fail_at('table', 'ER001', 'Duplicates are looked for among customers and suppliers only.');
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT t.id, t.code, t.name, t.tax_id, t.phone,
               CASE WHEN t.tax_id = $2 THEN 'tax_id' WHEN erp.name_key(t.name) = $3 THEN 'name' ELSE 'phone' END
          FROM erp.%I t
         WHERE t.id IS DISTINCT FROM $1
           AND (t.tax_id = $2 OR erp.name_key(t.name) = $3 OR erp.phone_key(t.phone) = $4)
         ORDER BY CASE WHEN t.tax_id = $2 THEN 0 WHEN erp.name_key(t.name) = $3 THEN 1 ELSE 2 END, t.code
         LIMIT 20
    $q$, p_table) USING p_id, v_tax_id, v_name_key, v_phone_key;
END $$;

-- Refuses a saved customer or supplier that looks like another one (same name key or phone), with SQLSTATE
-- ER008 and the candidates as JSON in the error's DETAIL, so the form can show them and ask the person to
-- confirm (erp.save_customer / erp.save_supplier with p_allow_duplicate). p_reasons: the fields to compare
-- ('name', 'phone').
CREATE OR REPLACE FUNCTION erp._refuse_likely_duplicates(p_table text, p_id bigint, p_reasons text[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_row record;
    v_candidates jsonb;
    v_first record;
BEGIN
    EXECUTE format('SELECT name, tax_id, phone FROM erp.%I WHERE id = $1', p_table) INTO v_row USING p_id;
    SELECT jsonb_agg(to_jsonb(d) ORDER BY d.reason = 'phone', d.code), min(d.code)
      INTO v_candidates
      FROM erp.likely_duplicates(p_table, p_id, v_row.name, v_row.tax_id, v_row.phone) d
     WHERE d.reason = ANY (p_reasons) AND d.reason IN ('name', 'phone');
    IF v_candidates IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_first FROM jsonb_to_record(v_candidates -> 0) AS x(code text, name text, reason text);
    RAISE EXCEPTION USING ERRCODE = 'ER008',
        MESSAGE = format(CASE v_first.reason
                             WHEN 'name' THEN '%s %s (%s) has the same name; is it the same company?'
                             ELSE '%s %s (%s) has the same phone number; is it the same company?' END,
                         CASE p_table WHEN 'customers' THEN 'Customer' ELSE 'Supplier' END, v_first.code,
                         v_first.name),
        DETAIL = v_candidates::text,
        COLUMN = v_first.reason;
END $$;

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

-- Everything that must always be true of the data. Each package states its own rules in a function named
-- erp.invariants_<package>() returning (rule, detail); this gathers them all. Empty result = healthy.
CREATE OR REPLACE FUNCTION erp.check_invariants() RETURNS TABLE (rule text, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'erp'::regnamespace AND p.proname LIKE 'invariants\_%' AND p.pronargs = 0
              ORDER BY p.proname
    LOOP
        RETURN QUERY EXECUTE format('SELECT * FROM %s', f);
    END LOOP;
END $$;

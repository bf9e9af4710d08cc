CREATE OR REPLACE VIEW erp.user_accounts AS
SELECT u.login, u.full_name, u.department, coalesce(r.rolcanlogin, false) AS active, u.created_at, u.created_by,
       (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = u.login) AS sessions
  FROM users u LEFT JOIN pg_roles r ON r.rolname = u.login;

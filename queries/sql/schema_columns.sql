-- title: Columns of every table and view
-- grain: one row per (table or view, column)
-- params: none
-- description: Each column's name, type, whether it may be null and its description (the schema
--   files' comments), in the order the table or view defines them.
with final as (
    select c.table_name as name, c.column_index::bigint as position, c.column_name as column_name,
        c.data_type as type, c.is_nullable as nullable, c.comment as description
    from duckdb_columns() c
    where c.database_name = current_database() and c.schema_name = 'main' and not c.internal
)

select * from final order by name, position

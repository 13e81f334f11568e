-- title: Tables and views
-- grain: one row per table or view an analyst can query
-- params: none
-- description: What the SQL page's schema browser lists: each table and view of the store with its
--   kind (table | view), its description (the schema files' comments; a view's from its file
--   header), its number of columns and, for a table, its row count as DuckDB estimates it.
with tables as (
    select table_name as name, 'table' as kind, comment as description, column_count::bigint as n_columns,
        estimated_size::bigint as est_rows
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'main' and not internal and not temporary
),

views as (
    select v.view_name as name, 'view' as kind, v.comment as description, count(c.column_name)::bigint as n_columns,
        null::bigint as est_rows
    from duckdb_views() v
    left join duckdb_columns() c
        on c.database_name = v.database_name and c.schema_name = v.schema_name and c.table_name = v.view_name
    where v.database_name = current_database() and v.schema_name = 'main' and not v.internal and not v.temporary
    group by all
),

final as (
    select * from tables
    union all
    select * from views
)

select * from final order by kind, name

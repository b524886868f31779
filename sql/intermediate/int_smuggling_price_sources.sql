-- materialized: incremental
-- The sources behind each mart_smuggling_price_trends row, once per raw file: the trend mart
-- counts a row's independent sources from these (at most one per source, row and file)
-- instead of from every cell.
with cells as (
    select * from int_smuggling_price_cells
),

final as (
    select distinct
        file_path,
        mart_row_key,
        source_key
    from cells
)

select * from final

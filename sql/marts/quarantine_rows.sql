-- materialized: incremental
-- Every input row that did not reach staging, with every rule it broke and its raw values
-- (free-text notes, source locators and unknown extra columns left out: they may name
-- people). Fix the row
-- in its file, or add the missing rate to data/reference/fx_rates.csv, and the next run
-- takes it in. row_number is the row a spreadsheet shows (header = 1); line for JSON Lines.
with validation_failures as (
    select
        dataset,
        file_path,
        sheet,
        row_number,
        column_name,
        rule,
        failure_case
    from ingest.validation_failures
),

-- Staging keeps a subset of each file's valid rows, one row each (the check of
-- stg_price_observations fails a build with a row twice), so only a file with fewer staged
-- rows than valid ones can have a row that missed its rate; the rows are compared in those
-- files only. (Compared in every file, the anti join's table of 10M staged rows spilled past
-- the memory limit: 4.1 s at 10M rows, with no row missing.)
valid_counts as (
    select
        file_path,
        count(*) as n_rows
    from ingest.valid_prices_rows
    group by file_path
),

staged_counts as (
    select
        file_path,
        count(*) as n_rows
    from stg_price_observations
    group by file_path
),

files_with_fx_misses as (
    select valid_counts.file_path
    from valid_counts
    left join staged_counts on valid_counts.file_path = staged_counts.file_path
    where valid_counts.n_rows > coalesce(staged_counts.n_rows, 0)
),

staged_in_those_files as (
    select
        staged.file_path,
        staged.sheet,
        staged.row_number
    from stg_price_observations as staged
    semi join files_with_fx_misses on staged.file_path = files_with_fx_misses.file_path
),

fx_misses as (
    select
        'prices' as dataset,
        valid_prices.file_path,
        valid_prices.sheet,
        valid_prices.row_number,
        'currency' as column_name,
        'no_fx_rate' as rule,
        valid_prices.currency || ' for ' || valid_prices.period_start || ' to '
        || valid_prices.period_end as failure_case
    from ingest.valid_prices_rows as valid_prices
    semi join files_with_fx_misses
        on valid_prices.file_path = files_with_fx_misses.file_path
    anti join staged_in_those_files as staged
        on
            valid_prices.file_path = staged.file_path
            and valid_prices.sheet = staged.sheet
            and valid_prices.row_number = staged.row_number
),

rules as (
    select * from ref_rules
),

explained as (
    select
        failures.*,
        failures.rule || ': ' || coalesce(rules.description, failures.rule)
        || case
            -- a sentence the rule wrote names its columns itself
            when failures.column_name is null
                then coalesce(' (' || failures.failure_case || ')', '')
            else coalesce(' (' || failures.column_name || ' = ' || failures.failure_case || ')', '')
        end as reason
    from (
        select * from validation_failures
        union all
        select * from fx_misses
    ) as failures
    left join rules on failures.dataset = rules.dataset and failures.rule = rules.rule
),

per_row as (
    select
        dataset,
        file_path,
        sheet,
        row_number,
        list(distinct rule order by rule) as rules,
        string_agg(reason, '; ' order by rule, column_name) as reasons
    from explained
    group by dataset, file_path, sheet, row_number
),

-- A cell longer than a spreadsheet cell holds (text_fits_a_cell) is cut to its first 1,000
-- characters and its length: raw_values goes to the CSV extract, which must open in Excel.
-- The whole text stays in the private raw layer.
raw_prices_cells as (
    select * exclude (notes, extra, source_locator) from ingest.raw_prices_rows
),

raw_prices as (
    select
        file_path,
        sheet,
        row_number,
        if(
            length(columns(* exclude (file_path, sheet, row_number))) > 32767,
            left(columns(* exclude (file_path, sheet, row_number)), 1000)
            || ' [cut: '
            || length(columns(* exclude (file_path, sheet, row_number)))
            || ' characters]',
            columns(* exclude (file_path, sheet, row_number))
        )
    from raw_prices_cells
),

raw_routes_cells as (
    select * exclude (notes, extra) from ingest.raw_routes_rows
),

raw_routes as (
    select
        file_path,
        sheet,
        row_number,
        if(
            length(columns(* exclude (file_path, sheet, row_number))) > 32767,
            left(columns(* exclude (file_path, sheet, row_number)), 1000)
            || ' [cut: '
            || length(columns(* exclude (file_path, sheet, row_number)))
            || ' characters]',
            columns(* exclude (file_path, sheet, row_number))
        )
    from raw_routes_cells
),

-- The raw values are joined to the quarantined rows here, not picked beforehand with a semi
-- join: a run updated by file then filters the quarantined rows by file once, and DuckDB
-- carries that filter to the raw rows through the join keys (0.2 s instead of 2.2 s for a
-- file of 100,000 rows beside 10M others).
final as (
    select
        per_row.dataset,
        per_row.file_path,
        per_row.sheet,
        per_row.row_number,
        -- The obs_id as read, with any control character (text_printable) shown as U+FFFD:
        -- raw_values escapes them as JSON does, but this column goes to the CSV extract as is.
        regexp_replace(
            coalesce(raw_prices.obs_id, raw_routes.obs_id),
            '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]', '�', 'g'
        ) as obs_id,
        per_row.rules,
        per_row.reasons,
        -- A table's name alone is its whole row as a struct, which to_json writes (a row the
        -- left join did not find is a struct of nulls, not null: hence the case). Every value
        -- is text, as read; row_number too, so the extracts need not rewrite the JSON.
        -- to_json escapes control characters but DEL: written as \u007f, the same JSON text.
        cast(
            replace(
                case per_row.dataset
                    when 'prices'
                        then to_json(
                            struct_update(
                                raw_prices,  -- noqa: RF02
                                row_number := cast(raw_prices.row_number as varchar)
                            )
                        )
                    else
                        to_json(
                            struct_update(
                                raw_routes,  -- noqa: RF02
                                row_number := cast(raw_routes.row_number as varchar)
                            )
                        )
                end,
                chr(127),
                '\u007f'
            ) as json
        ) as raw_values,
        manifest.run_id
    from per_row
    left join raw_prices
        on
            per_row.dataset = 'prices'
            and per_row.file_path = raw_prices.file_path
            and per_row.sheet = raw_prices.sheet
            and per_row.row_number = raw_prices.row_number
    left join raw_routes
        on
            per_row.dataset = 'routes'
            and per_row.file_path = raw_routes.file_path
            and per_row.sheet = raw_routes.sheet
            and per_row.row_number = raw_routes.row_number
    left join ingest.ingest_files as manifest on per_row.file_path = manifest.file_path
    where raw_prices.file_path is not null or raw_routes.file_path is not null
)

select * from final
order by file_path, sheet, row_number

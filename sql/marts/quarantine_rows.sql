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
    anti join stg_price_observations as staged
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
        || coalesce(' (' || failures.column_name || ' = ' || failures.failure_case || ')', '')
            as reason
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

quarantined_raw_prices as (
    -- Only the quarantined rows are turned into JSON below: the semi joins come first.
    select raw_prices.* from ingest.raw_prices_rows as raw_prices
    semi join per_row
        on
            raw_prices.file_path = per_row.file_path
            and raw_prices.sheet = per_row.sheet
            and raw_prices.row_number = per_row.row_number
),

quarantined_raw_routes as (
    select raw_routes.* from ingest.raw_routes_rows as raw_routes
    semi join per_row
        on
            raw_routes.file_path = per_row.file_path
            and raw_routes.sheet = per_row.sheet
            and raw_routes.row_number = per_row.row_number
),

raw_rows as (
    select
        file_path,
        sheet,
        row_number,
        obs_id,
        to_json(raw_row) as raw_values
    from (select * exclude (notes, extra, source_locator) from quarantined_raw_prices) as raw_row
    union all
    select
        file_path,
        sheet,
        row_number,
        obs_id,
        to_json(raw_row) as raw_values
    from (select * exclude (notes, extra) from quarantined_raw_routes) as raw_row
),

final as (
    select
        per_row.dataset,
        per_row.file_path,
        per_row.sheet,
        per_row.row_number,
        raw_rows.obs_id,
        per_row.rules,
        per_row.reasons,
        raw_rows.raw_values,
        manifest.run_id
    from per_row
    inner join raw_rows
        on
            per_row.file_path = raw_rows.file_path
            and per_row.sheet = raw_rows.sheet
            and per_row.row_number = raw_rows.row_number
    left join ingest.ingest_files as manifest on per_row.file_path = manifest.file_path
)

select * from final
order by file_path, sheet, row_number

-- Money: laundering, transfer-fee, market-size and other money estimates, and prices of
-- assets that sources cite as laundering indicators (e.g. waterfront property per square
-- metre), one row per stated figure with its range, by country and period, beside the
-- country's Organized Crime Index scores of the nearest edition (dim_country_context).
-- figure_kind keeps prices, estimates and ratios apart: they are never averaged together.
with money as (
    select * from stg_price_observations
    where flow = 'money'
),

context as (
    select * from dim_country_context
),

nearest_edition as (
    -- The edition closest to the figure's year (the earlier one on a tie).
    select
        money.file_path,
        money.sheet,
        money.row_number,
        arg_min(
            context.edition,
            abs(context.edition - year(money.period_start)) * 2
            + cast(context.edition > year(money.period_start) as integer)
        ) as oc_edition
    from money
    inner join context on money.location_country = context.country
    where money.period_start is not null
    group by money.file_path, money.sheet, money.row_number
),

final as (
    select
        money.unit_kind as figure_kind,
        money.commodity,
        money.market_level,
        money.location_country as country,
        money.location_place as place,
        money.period_start,
        money.period_end,
        money.unit,
        money.price_form as value_form,
        money.price_low as value_low,
        money.price_high as value_high,
        money.price_point as value_point,
        money.currency,
        money.price_low_eur as value_low_eur,
        money.price_high_eur as value_high_eur,
        money.price_point_eur as value_point_eur,
        money.price_mid_eur as value_mid_eur,
        nearest_edition.oc_edition,
        context.criminality as oc_criminality,
        context.resilience as oc_resilience,
        context.financial_crimes as oc_financial_crimes,
        context.human_smuggling as oc_human_smuggling,
        money.obs_id,
        money.source_title,
        money.source_url,
        money.quote,
        money.confidence,
        money.source_type,
        money.file_path,
        money.sheet,
        money.row_number,
        concat_ws('|', money.file_path, money.sheet, money.row_number) as mart_row_key
    from money
    left join nearest_edition
        on
            money.file_path = nearest_edition.file_path
            and money.sheet = nearest_edition.sheet
            and money.row_number = nearest_edition.row_number
    left join context
        on
            money.location_country = context.country
            and nearest_edition.oc_edition = context.edition
)

select * from final
order by figure_kind, commodity, country, period_start, obs_id

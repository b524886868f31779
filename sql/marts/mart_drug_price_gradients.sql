-- How much a drug gains in value at each border along the route, per drug, market level and
-- calendar month, quarter and year, in EUR per kg at wholesale (per gram at retail). Two
-- bases side by side: observed_prices - the slope of the countries' median prices against
-- their position along a corridor (data/reference/corridors.csv), so the increment per
-- border crossed, from at least two countries of the corridor; published_markup - the
-- per-border markups sources state (e.g. heroin about EUR 2,000 per kg per border).
with corridor_legs as (
    select
        corridor,
        cast(leg_order as integer) as leg_order,
        upper(trim(origin_country)) as origin_country,
        upper(trim(destination_country)) as destination_country
    from ref_corridors
),

drug_cells as (
    select * from int_drug_price_cells
    where country is not null and price_mid_eur is not null
),

markup_cells as (
    select * from int_drug_markup_cells
),

stops as (
    select
        corridor,
        country,
        min(stop_position) as stop_position
    from (
        select
            corridor,
            origin_country as country,
            leg_order as stop_position
        from corridor_legs
        union all
        select
            corridor,
            destination_country as country,
            leg_order + 1 as stop_position
        from corridor_legs
    ) as corridor_stops
    group by corridor, country
),

country_prices as (
    select
        drug,
        market_level,
        price_unit,
        country,
        period_grain,
        period_start,
        period_end,
        count(*) as n_obs,
        median(price_mid_eur) as median_eur
    from drug_cells
    group by all
),

-- The least-squares slope from exact sums: x (the stop) is an integer and y (the median
-- price) a DECIMAL, so the sums do not depend on the order in which parallel threads add
-- them, and the one division at the end gives the same double on every run. regr_slope
-- over doubles differed in the last digits between runs at a million rows, and so,
-- rounded to cents, in the published value.
corridor_prices as (
    select
        country_prices.*,
        stops.corridor,
        stops.stop_position as x,
        cast(country_prices.median_eur as decimal(38, 6)) as y
    from country_prices
    inner join stops on country_prices.country = stops.country
),

observed as (
    select
        drug,
        market_level,
        price_unit,
        'observed_prices' as basis,
        corridor,
        string_agg(country, '->' order by x) as countries,
        count(*) as n_countries,
        period_grain,
        period_start,
        period_end,
        cast(sum(n_obs) as bigint) as n_obs,
        round(
            (count(*) * sum(x * y) - sum(x) * sum(y))
            / nullif(count(*) * sum(x * x) - sum(x) * sum(x), 0),
            2
        ) as increment_per_border_eur,
        cast(null as double) as increment_low_eur,
        cast(null as double) as increment_high_eur
    from corridor_prices
    group by all
    having count(*) >= 2
),

published as (
    select
        drug,
        market_level,
        price_unit,
        'published_markup' as basis,
        cast(null as varchar) as corridor,
        cast(null as varchar) as countries,
        cast(null as bigint) as n_countries,
        period_grain,
        period_start,
        period_end,
        count(*) as n_obs,
        median(markup_mid_eur) as increment_per_border_eur,
        min(coalesce(markup_low_eur, markup_mid_eur)) as increment_low_eur,
        max(coalesce(markup_high_eur, markup_mid_eur)) as increment_high_eur
    from markup_cells
    group by all
),

final as (
    select
        *,
        concat_ws(
            '|',
            drug,
            market_level,
            basis,
            corridor,
            period_grain,
            strftime(period_start, '%Y-%m-%d')
        ) as mart_row_key
    from (
        select * from observed
        union all
        select * from published
    ) as gradients
)

select * from final
order by drug, market_level, period_grain, period_start, basis, corridor

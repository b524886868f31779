-- What drugs cost over time, per drug, market level, country (and place where known) and
-- calendar month, quarter and year: EUR per gram at retail, per kilogram at wholesale, in
-- nominal euros and in constant euros of price_base_year (deflated with the euro-area HICP
-- annual index of the period's year, data/reference/hicp_euro_area.csv). An observation
-- spanning several periods counts once in each. retail_wholesale_markup compares the
-- country's retail and wholesale medians per gram where both exist. low_confidence flags
-- fewer than 2 independent sources or fewer than 3 observations.
with cells as not materialized (
    -- Read where used, not stored first: each use reads only its own columns and rows.
    select * from int_drug_price_cells
),

bands as (
    select * from int_drug_price_bands
),

sources as (
    select * from int_drug_price_sources
),

deflators as (
    select * from int_hicp_deflators
),

period_stats as (
    select
        mart_row_key,
        drug,
        market_level,
        country,
        place,
        price_unit,
        period_grain,
        period_start,
        period_end,
        count(*) as n_obs,
        count(price_mid_eur) as n_point_estimates,
        median(price_mid_eur) as median_eur,
        min(price_low_eur) as min_eur,
        max(price_high_eur) as max_eur
    from cells
    group by all
),

source_counts as (
    select
        mart_row_key,
        count(distinct source_key) as n_sources
    from sources
    group by mart_row_key
),

row_bands as (
    -- The weight of each row's point estimates per band, below the band and up to it.
    select
        mart_row_key,
        price_band,
        sum(sum(price_weight)) over up_to_band - sum(price_weight) as weight_below_band,
        sum(sum(price_weight)) over up_to_band as weight_up_to_band,
        sum(sum(price_weight)) over (partition by mart_row_key) as total_weight
    from bands
    group by mart_row_key, price_band
    window up_to_band as (
        partition by mart_row_key
        order by price_band
        rows between unbounded preceding and current row
    )
),

weighted_median_bands as (
    -- The band where the cumulative weight reaches half the total and the band where it
    -- passes half: the same one unless it lands exactly on half at a band's last price.
    select
        mart_row_key,
        price_band,
        weight_below_band,
        total_weight
    from row_bands
    where 2 * weight_up_to_band >= total_weight and 2 * weight_below_band <= total_weight
),

weighted_median_cells as (
    -- The prices of those bands with the weight up to each, as if the whole row had been
    -- sorted: bands never order two prices differently than the prices do.
    select
        cells.mart_row_key,
        cells.price_mid_eur,
        median_bands.total_weight,
        median_bands.weight_below_band + sum(round(cells.source_weight * 1000000)) over (
            partition by cells.mart_row_key, cells.price_band
            order by cells.price_mid_eur
            rows between unbounded preceding and current row
        ) as weight_up_to_here
    from cells
    inner join weighted_median_bands as median_bands
        on
            cells.mart_row_key = median_bands.mart_row_key
            and cells.price_band = median_bands.price_band
),

weighted_medians as (
    -- The value where the cumulative weight reaches half the total; when it lands exactly on
    -- half, the midpoint of that value and the next (as the plain median does with equal
    -- weights and an even count). Weights are summed in whole millionths, exact in any
    -- order, so a cumulative weight that lands exactly on half is found as such (summed as
    -- fractions, 26 of 1,332 rows at 10M observations came out off by a float rounding).
    select
        mart_row_key,
        (
            min(price_mid_eur) filter (where 2 * weight_up_to_here >= total_weight)
            + min(price_mid_eur) filter (where 2 * weight_up_to_here > total_weight)
        ) / 2 as weighted_median_eur
    from weighted_median_cells
    group by mart_row_key
),

country_medians as (
    -- Per gram, over every place in the country, for the retail/wholesale comparison.
    select
        drug,
        country,
        period_grain,
        period_start,
        median(price_mid_eur) filter (where market_level = 'retail') as retail_eur_per_gram,
        median(price_mid_eur / 1000) filter (
            where market_level = 'wholesale'
        ) as wholesale_eur_per_gram
    from cells
    group by drug, country, period_grain, period_start
),

final as (
    select
        period_stats.drug,
        period_stats.market_level,
        period_stats.country,
        period_stats.place,
        period_stats.price_unit,
        period_stats.period_grain,
        period_stats.period_start,
        period_stats.period_end,
        period_stats.n_obs,
        source_counts.n_sources,
        period_stats.n_point_estimates,
        period_stats.median_eur,
        weighted_medians.weighted_median_eur,
        period_stats.min_eur,
        period_stats.max_eur,
        deflators.price_base_year,
        deflators.hicp_deflator,
        round(period_stats.median_eur * deflators.hicp_deflator, 4) as median_eur_constant,
        round(period_stats.min_eur * deflators.hicp_deflator, 4) as min_eur_constant,
        round(period_stats.max_eur * deflators.hicp_deflator, 4) as max_eur_constant,
        round(
            country_medians.retail_eur_per_gram / country_medians.wholesale_eur_per_gram, 4
        ) as retail_wholesale_markup,
        source_counts.n_sources < 2 or period_stats.n_obs < 3 as low_confidence,
        period_stats.mart_row_key
    from period_stats
    left join source_counts on period_stats.mart_row_key = source_counts.mart_row_key
    left join weighted_medians on period_stats.mart_row_key = weighted_medians.mart_row_key
    left join deflators on year(period_stats.period_start) = deflators.hicp_year
    left join country_medians
        on
            period_stats.drug = country_medians.drug
            and period_stats.country is not distinct from country_medians.country
            and period_stats.period_grain = country_medians.period_grain
            and period_stats.period_start = country_medians.period_start
)

select * from final
order by drug, market_level, country, place, period_grain, period_start

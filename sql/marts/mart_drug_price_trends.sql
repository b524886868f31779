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

weighted_medians as (
    select * from int_weighted_medians
    where flow = 'drugs'
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

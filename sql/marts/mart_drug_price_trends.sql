-- What drugs cost over time, per drug, market level, country (and place where known) and
-- calendar month, quarter and year: EUR per gram at retail, per kilogram at wholesale, in
-- nominal euros and in constant euros of price_base_year (deflated with the euro-area HICP
-- annual index of the period's year, data/reference/hicp_euro_area.csv). An observation
-- spanning several periods counts once in each. retail_wholesale_markup compares the
-- country's retail and wholesale medians per gram where both exist. low_confidence flags
-- fewer than 2 independent sources or fewer than 3 observations.
with cells as (
    select * from int_drug_price_cells
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
        count(distinct source_key) as n_sources,
        count(price_mid_eur) as n_point_estimates,
        median(price_mid_eur) as median_eur,
        min(price_low_eur) as min_eur,
        max(price_high_eur) as max_eur
    from cells
    group by all
),

price_weights as (
    -- Equal prices of a row pooled: the weighted median only needs each price's total weight.
    -- In millionths: a weight has at most 6 decimals, so these are whole numbers, which a
    -- DOUBLE adds exactly (below 2^53) in any order. A cumulative weight that lands exactly
    -- on half is then found as such, however the window lays out its sums (summed as
    -- fractions, 26 of 1,332 rows at 10M observations came out off by a float rounding).
    select
        mart_row_key,
        price_mid_eur,
        sum(round(source_weight * 1000000)) as price_weight
    from cells
    where price_mid_eur is not null
    group by mart_row_key, price_mid_eur
),

cumulative_weights as (
    select
        mart_row_key,
        price_mid_eur,
        sum(price_weight) over (
            partition by mart_row_key
            order by price_mid_eur
            rows between unbounded preceding and current row
        ) as weight_up_to_here,
        sum(price_weight) over (partition by mart_row_key) as total_weight
    from price_weights
),

weighted_medians as (
    select
        mart_row_key,
        (
            min(price_mid_eur) filter (where 2 * weight_up_to_here >= total_weight)
            + min(price_mid_eur) filter (where 2 * weight_up_to_here > total_weight)
        ) / 2 as weighted_median_eur
    from cumulative_weights
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
        period_stats.n_sources,
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
        period_stats.n_sources < 2 or period_stats.n_obs < 3 as low_confidence,
        period_stats.mart_row_key
    from period_stats
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

-- materialized: incremental
-- People-smuggling prices per leg, one row per observation and calendar period it covers
-- (month, quarter, year), with the key of the mart_smuggling_price_trends row it feeds and
-- its source weight. Observations with no country at either end have no leg and are only
-- in mart_smuggling_prices. A row's countries, grain and period end follow from its leg and
-- period (int_smuggling_price_period_stats reads them back per trend row). They are not
-- stored: without them the 30M cells of 10M observations are written in 13.1 s, not 15.8 s.
with prices as (
    select * from stg_price_observations
    where flow = 'people' and unit_kind = 'price' and leg is not null
),

periods as (
    select * from int_span_periods
),

weights as (
    select * from int_source_weights
),

final as (
    select
        concat_ws(
            '|', prices.leg, prices.commodity, prices.unit, periods.period_grain
        ) as series_key,
        concat_ws(
            '|',
            prices.leg,
            prices.commodity,
            prices.unit,
            periods.period_grain,
            strftime(periods.period_start, '%Y-%m-%d')
        ) as mart_row_key,
        prices.leg,
        prices.commodity,
        prices.unit,
        periods.period_months,
        periods.period_start,
        coalesce(prices.period_end, prices.period_start) <= periods.period_end
            as is_last_period,
        prices.file_path,
        prices.sheet,
        prices.row_number,
        prices.obs_id,
        prices.source_key,
        -- The low and high ends, or the point where the source gave one price: the trend
        -- mart takes their minimum and maximum (as int_drug_price_cells has them). One
        -- column fewer than the three bounds: 30M cells at 10M observations.
        coalesce(prices.price_low_eur, prices.price_point_eur) as price_low_eur,
        coalesce(prices.price_high_eur, prices.price_point_eur) as price_high_eur,
        prices.price_mid_eur,
        -- The band of the point estimate: two significant digits (90 bands per power of
        -- ten). Each piece divides by a constant and the pieces follow each other, so a band
        -- never orders two prices differently than the prices do; the trend marts sum
        -- weights per band and sort only the prices of the bands they need.
        case
            when prices.price_mid_eur < 1 then floor(prices.price_mid_eur * 100)
            when prices.price_mid_eur < 10 then 100 + floor(prices.price_mid_eur * 10)
            when prices.price_mid_eur < 100 then 200 + floor(prices.price_mid_eur)
            when prices.price_mid_eur < 1000 then 300 + floor(prices.price_mid_eur / 10)
            when prices.price_mid_eur < 10000 then 400 + floor(prices.price_mid_eur / 100)
            when prices.price_mid_eur < 100000 then 500 + floor(prices.price_mid_eur / 1000)
            else 600 + floor(prices.price_mid_eur / 10000)
        end as price_band,
        weights.source_weight
    from prices
    inner join periods
        on
            prices.period_start = periods.span_start
            and coalesce(prices.period_end, prices.period_start) = periods.span_end
    inner join weights
        on
            prices.confidence is not distinct from weights.confidence
            and prices.source_reliability is not distinct from weights.source_reliability
            and prices.information_credibility is not distinct from weights.information_credibility
)

select * from final

-- The raw offline_features table written by the demo's data generator.
select * from {{ source('raw', 'offline_features') }}

-- The raw predictions table written by the demo's data generator.
select * from {{ source('raw', 'predictions') }}

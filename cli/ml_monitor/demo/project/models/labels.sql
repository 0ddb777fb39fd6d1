-- The raw labels table written by the demo's data generator.
select * from {{ source('raw', 'labels') }}

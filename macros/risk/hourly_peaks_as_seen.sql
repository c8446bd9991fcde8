{#- Per user and scan, the most of `rows` within one hour (a window ending at a record) as that
    scan saw them. A record counts from its `visible_from` scan, so a record delivered late raises
    its hour's count from the scan at which it is visible, and the scans before it keep the count
    they saw: the peak is point in time and a late delivery never rewrites an earlier scan.
    Only hours holding a record visible after the hour's own last record are split per scan (a
    pairwise join), the rest are counted by one window. `rows` needs user_id, `row_id`,
    `occurred_at`, _batch_at and visible_from; the result has user_id, scan_at, `peak_column` and
    known_at (the latest delivery or event time the count rests on). -#}
{% macro hourly_peaks_as_seen(rows, occurred_at, row_id, peak_column) -%}
    with windows as (
        select
            user_id,
            {{ row_id }} as window_id,
            {{ occurred_at }} as window_end_at,
            visible_from,
            count(*) over last_hour as records_in_hour,
            max(visible_from) over last_hour as last_visible_from,
            max(greatest(_batch_at, {{ occurred_at }})) over last_hour as known_at
        from {{ rows }}
        window last_hour as (
            partition by user_id order by {{ occurred_at }}
            range between interval 1 hour preceding and current row
        )
    ),

    late_members as (
        select
            windows.user_id,
            windows.window_id,
            greatest(windows.visible_from, members.visible_from) as scan_at,
            count(*) as records_seen,
            max(greatest(members._batch_at, members.{{ occurred_at }})) as known_at
        from windows
        inner join {{ rows }} as members
            on
                windows.user_id = members.user_id
                and members.{{ occurred_at }} between windows.window_end_at - interval 1 hour and windows.window_end_at
        where windows.last_visible_from > windows.visible_from
        group by all
    ),

    counts as (
        select
            user_id,
            visible_from as scan_at,
            records_in_hour,
            known_at
        from windows
        where last_visible_from = visible_from
        union all
        select
            user_id,
            scan_at,
            sum(records_seen) over seen_so_far as records_in_hour,
            max(known_at) over seen_so_far as known_at
        from late_members
        window seen_so_far as (
            partition by user_id, window_id order by scan_at
            rows between unbounded preceding and current row
        )
    )

    select
        user_id,
        scan_at,
        max(records_in_hour) as {{ peak_column }},
        max(known_at) as known_at
    from counts
    group by user_id, scan_at
{%- endmacro %}

-- SPEC §3.2, §3.3: each countable version a newer one supersedes; an identified, readable file in which
-- nothing counts (a 总结 not counted because its unit sent a sheet is not empty: checks/text_figures says so).
select s.file_sha256 as sha256, s.unit_code,
       {{ issue("submission_superseded", newer="c.file_path || '，第' || c.version || '版'") }}
from core.submissions as s
join _campaign as k on k.campaign_id = s.campaign_id
join core.submissions as c on c.campaign_id = s.campaign_id and c.file_sha256 = s.superseded_by
    and c.unit_code = s.unit_code
union all by name
select s.file_sha256 as sha256, s.unit_code, {{ issue("submission_empty") }}
from core.submissions as s
join _campaign as k on k.campaign_id = s.campaign_id
join _files as f on f.sha256 = s.file_sha256
where s.status = 'rejected' and f.readable and f.resolution = 'identified' and s.forwarded_by is null
  and not exists (select 1 from core.activities as a where a.campaign_id = s.campaign_id
                  and a.file_sha256 = s.file_sha256 and a.from_text)

-- SPEC §3.2: a supplement's row that repeats one already counted for its version counts once (rules/supplements).
union all by name
select r.file_sha256 as sha256,
       {{ issue("supplement_repeat", sheet="r.source_sheet", cell="r.source_cell", row="r.source_row",
                raw="r.activity_name",
                kept="kept.source_file || ' ' || kept.source_sheet || '!' || kept.source_cell || ' 的“' || kept.activity_name || '”'") }}
from _supplement_repeats as r
join core.activities as kept on kept.campaign_id = (select campaign_id from _campaign) and kept.activity_id = r.kept_id
where r.forwarded_by is null or kept.file_sha256 = r.file_sha256
-- SPEC §3.10: a forwarded row equal to one the unit counted itself counts once, the unit's own copy kept; a
-- warning where any figure of the two differs.
union all by name
select * from (
    with pairs as (
        select r.*, kept.source_file as kept_file, kept.source_sheet as kept_sheet, kept.source_cell as kept_cell,
               kept.activity_name as kept_name, f.unit_name as forwarder,
               concat_ws('；'{% for m in metrics %}, case when a.{{ m.key }} is distinct from kept.{{ m.key }}
                   then '{{ m.noun }}' || coalesce(cast(a.{{ m.key }} as varchar), '空') || '与'
                        || coalesce(cast(kept.{{ m.key }} as varchar), '空') end{% endfor %}) as figures
        from _supplement_repeats as r
        join core.activities as a on a.campaign_id = (select campaign_id from _campaign) and a.activity_id = r.activity_id
        join core.activities as kept on kept.campaign_id = a.campaign_id and kept.activity_id = r.kept_id
        left join _units as f on f.unit_code = r.forwarded_by
        where r.forwarded_by is not null and kept.file_sha256 <> r.file_sha256
    )
    select p.file_sha256 as sha256, p.unit_code,
           {{ issue("forwarded_repeat", sheet="p.source_sheet", cell="p.source_cell", row="p.source_row",
                    raw="p.activity_name", forwarder="p.forwarder",
                    kept="p.kept_file || ' ' || p.kept_sheet || '!' || p.kept_cell || ' 的“' || p.kept_name || '”'") }}
    from pairs as p
    where p.figures = ''
    union all by name
    select p.file_sha256 as sha256, p.unit_code,
           {{ issue("forwarded_repeat_differs", sheet="p.source_sheet", cell="p.source_cell", row="p.source_row",
                    raw="p.activity_name", forwarder="p.forwarder", figures="p.figures",
                    kept="p.kept_file || ' ' || p.kept_sheet || '!' || p.kept_cell || ' 的“' || p.kept_name || '”'") }}
    from pairs as p
    where p.figures <> ''
)
-- SPEC §3.10: a forwarded table's current rows for a unit that has its own current version add to it; when some
-- are not the unit's own (no repeat), one warning names both files.
union all by name
select * from (
    with added as (
        select s.file_sha256, s.file_path, s.unit_code, s.forwarded_by, o.file_path as own_path,
               count(*) as rows
        from core.submissions as s
        join _campaign as k on k.campaign_id = s.campaign_id
        join core.submissions as o on o.campaign_id = s.campaign_id and o.file_sha256 = s.supplements
            and o.unit_code = s.unit_code and o.forwarded_by is null
        join core.activities as a on a.campaign_id = s.campaign_id and a.file_sha256 = s.file_sha256
            and a.unit_code = s.unit_code
        where s.role = 'forwarded' and s.is_current and a.counted
          and a.activity_id not in (select activity_id from _supplement_repeats)
        group by all
    )
    select d.file_sha256 as sha256, d.unit_code,
           {{ issue("forwarded_differs", forwarder="f.unit_name", forwarded="d.file_path", own="d.own_path",
                    rows="d.rows") }}
    from added as d
    left join _units as f on f.unit_code = d.forwarded_by
)
-- SPEC §3.2: a version that replaces the one before it (with its supplements) without sharing one activity — the
-- same start date and normalised name — with it: still a new version (the rule stays predictable), but perhaps a
-- supplement no one marked, for the office to decide. Both must have such rows (a summary-only file has none).
union all by name
select * from (
    with versions as (
        -- within a stream: the unit's own files, or one forwarder's tables (SPEC §3.10)
        select s.file_sha256, s.unit_code, s.file_path, s.version,
               lag(s.file_sha256) over w as previous_sha256,
               lag(s.file_path) over w as previous_path,
               lag(s.version) over w as previous_version
        from core.submissions as s
        join _campaign as k on k.campaign_id = s.campaign_id
        where s.role in ('version', 'forwarded') and s.status in {{ counted_statuses }} and s.unit_code is not null
        window w as (partition by s.unit_code, coalesce(s.forwarded_by, '') order by s.version)
    ),
    old_keys as (select distinct unit_code, base_sha256, start_date, name_key from _version_keys),
    new_keys as (select distinct unit_code, file_sha256, start_date, name_key from _version_keys)
    select v.file_sha256 as sha256, v.unit_code,
           {{ issue("version_disjoint", newer="v.file_path || '，第' || v.version || '版'",
                    older="v.previous_path || '，第' || v.previous_version || '版'") }}
    from versions as v
    where v.previous_sha256 is not null
      and exists (select 1 from new_keys as n where n.file_sha256 = v.file_sha256 and n.unit_code = v.unit_code)
      and exists (select 1 from old_keys as o where o.base_sha256 = v.previous_sha256 and o.unit_code = v.unit_code)
      and not exists (
          select 1
          from new_keys as n
          join old_keys as o on o.start_date = n.start_date and o.name_key = n.name_key and o.unit_code = n.unit_code
          where n.file_sha256 = v.file_sha256 and n.unit_code = v.unit_code and o.base_sha256 = v.previous_sha256)
)

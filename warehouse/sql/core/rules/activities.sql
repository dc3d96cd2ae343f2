-- core.activities (SPEC §3.3, §3.4): each detail row of each file, attributed to the file's unit — or, in a
-- forwarded table (SPEC §3.10), to the unit its unit column names (transforms.identity.resolve_row_units,
-- handed in as _row_units: one unit exactly, as 填报单位 text matches; a blank, the forwarder itself or a
-- text naming no unit or several keep the row with the file's unit; checks/forwarded warns of the last) — counted when
-- it passed the row rules and starts inside the window; and for a file with 汇总表 figures but no detail row,
-- one unitemized record whose activity_count is its 活动场次. duplicate_of is set here for a repeat across a
-- workbook's sheets, later for the others (supplements, joint_apply).
delete from core.activities where campaign_id = (select campaign_id from _campaign);

insert into core.activities by name
select
    left(r.sha256, 16) || ':' || r.source_sheet || ':' || r.source_row as activity_id,
    k.campaign_id,
    r.sha256 as file_sha256,
    case when f.unit_code is not null and u.row_unit is not null then u.row_unit else f.unit_code end as unit_code,
    f.path as source_file,
    r.source_sheet,
    r.source_row,
    r.activity_name_cell as source_cell,
    r.activity_name,
    r.activity_type,
    r.activity_type_raw,
    r.start_date,
    r.end_date,
    r.venue,
    r.organizer,
    coalesce(r.partners, []::varchar[]) as partners,
{% for m in metrics %}
    r.{{ m.key }},
    coalesce(r.{{ m.key }}_approx, false) as {{ m.key }}_approx,
{% endfor %}
    r.note,
    1 as activity_count,
    false as is_unitemized,
    r.row_status,
    r.reject_code,
    coalesce(r.start_date between k.start_date and k.end_date, false) as in_window,
    r.row_status = 'ok' and coalesce(r.start_date between k.start_date and k.end_date, false) as counted,
    -- a row of a workbook's later detail sheet repeating one of an earlier sheet (transforms.submission)
    case when r.repeat_of is not null then left(r.sha256, 16) || ':' || r.repeat_of end as duplicate_of
from raw.activity_rows as r
join _campaign as k on k.campaign_id = r.campaign_id
join _files as f on f.sha256 = r.sha256
left join _row_units as u on u.sha256 = r.sha256 and u.reporting_unit = r.reporting_unit;

insert into core.activities by name
select
    left(s.sha256, 16) || ':' || s.sheet || ':summary' as activity_id,
    k.campaign_id,
    s.sha256 as file_sha256,
    f.unit_code,
    f.path as source_file,
    s.sheet as source_sheet,
    '（汇总表，未分项）' as activity_name,
    '{{ unitemized_type }}' as activity_type,
    []::varchar[] as partners,
{% for m in metrics %}
    s.{{ m.key }},
    false as {{ m.key }}_approx,
{% endfor %}
    coalesce(s.activities, 0) as activity_count,
    true as is_unitemized,
    'ok' as row_status,
    true as in_window,
    true as counted
from raw.summary_figures as s
join _campaign as k on k.campaign_id = s.campaign_id
join _files as f on f.sha256 = s.sha256
where not exists (select 1 from raw.activity_rows as r where r.campaign_id = s.campaign_id and r.sha256 = s.sha256)
  and ({% for i in indicators %}s.{{ i.key }} is not null{{ " or " if not loop.last }}{% endfor %});

-- A narrative report's figures (SPEC §3.13): one unitemized record per form it states, flagged from_text, citing
-- its paragraph (source_cell 第N段) and sentence (note). Counted only when the unit sent no sheet in the campaign
-- (no file of its with a detail row or 汇总表 figures): then the sheet counts, and checks/text_figures compares.
insert into core.activities by name
select
    left(t.sha256, 16) || ':正文:' || t.activity_type as activity_id,
    k.campaign_id,
    t.sha256 as file_sha256,
    f.unit_code,
    f.path as source_file,
    '正文' as source_sheet,
    t.paragraph as source_row,
    '第' || t.paragraph || '段' as source_cell,
    '（据总结第' || t.paragraph || '段，未分项）' as activity_name,
    t.activity_type,
    []::varchar[] as partners,
{% for m in metrics %}
    t.{{ m.key }},
    coalesce(t.{{ m.key }}_approx, false) as {{ m.key }}_approx,
{% endfor %}
    t.sentence as note,
    coalesce(t.activities, 0) as activity_count,
    true as is_unitemized,
    'ok' as row_status,
    true as in_window,
    not exists (
        select 1 from _files as o
        where o.unit_code = f.unit_code and o.sha256 <> t.sha256
          and (exists (select 1 from raw.activity_rows as r where r.campaign_id = t.campaign_id and r.sha256 = o.sha256)
               or exists (select 1 from raw.summary_figures as s where s.campaign_id = t.campaign_id and s.sha256 = o.sha256))
    ) as counted,
    true as from_text
from raw.text_figures as t
join _campaign as k on k.campaign_id = t.campaign_id
join _files as f on f.sha256 = t.sha256
where not exists (select 1 from raw.activity_rows as r where r.campaign_id = t.campaign_id and r.sha256 = t.sha256)
  and not exists (select 1 from raw.summary_figures as s where s.campaign_id = t.campaign_id and s.sha256 = t.sha256);

"""A scheduled job as a plain sentence: its cron schedule read out
("every Monday at 06:00 UTC" / "每周一 06:00（UTC）") and what it does.

The schedule reader covers what people write (a time of day, every n
minutes, weekdays, days of the month, months); anything else is quoted as
typed, so the sentence never says something the cron does not mean.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from engine.designer.sentences import _Names, _text

_NUMBER = re.compile(r"^\d+$")
_DAYS = {"zh": ["周日", "周一", "周二", "周三", "周四", "周五", "周六", "周日"],
         "en": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]


def _numbers(field: str) -> list[int] | None:
    """`1,3,5` or `1-5` as numbers; None for anything else (steps, names, *)."""
    values: list[int] = []
    for part in field.split(","):
        low, dash, high = part.partition("-")
        if not (_NUMBER.match(low) and (not dash or _NUMBER.match(high))):
            return None
        values += list(range(int(low), int(high) + 1)) if dash else [int(low)]
    return values


def _time(minute: str, hour: str, zh: bool) -> str | None:
    minutes, hours = _numbers(minute), _numbers(hour)
    if minutes and hours and len(minutes) == 1:
        times = [f"{h:02d}:{minutes[0]:02d}" for h in hours]
        return "、".join(times) if zh else "at " + ", ".join(times)
    if minutes and len(minutes) == 1 and hour == "*":
        return f"每小时第 {minutes[0]} 分钟" if zh else f"every hour at minute {minutes[0]}"
    step = re.fullmatch(r"\*/(\d+)", minute)
    if step and hour == "*":
        return f"每 {step.group(1)} 分钟" if zh else f"every {step.group(1)} minutes"
    if minute == "*" and hour == "*":
        return "每分钟" if zh else "every minute"
    return None


def _days(day: str, month: str, weekday: str, zh: bool) -> str | None:
    language = "zh" if zh else "en"
    if day == "*" and weekday == "*":
        text = "每天" if zh else "every day"
    elif day == "*" and _numbers(weekday) is not None and all(0 <= d <= 7 for d in _numbers(weekday)):
        low, dash, high = weekday.partition("-")
        if dash and _NUMBER.match(low) and _NUMBER.match(high):      # 1-5: Monday to Friday
            names = [f"{_DAYS[language][int(low)]}{'至' if zh else ' to '}{_DAYS[language][int(high)]}"]
        else:
            names = [_DAYS[language][d] for d in _numbers(weekday)]
        text = ("每" + "、".join(names)) if zh else "every " + ", ".join(names)
    elif weekday == "*" and _numbers(day) is not None:
        days = [str(d) for d in _numbers(day)]
        text = f"每月 {'、'.join(days)} 日" if zh else f"on day {', '.join(days)} of every month"
    else:
        return None
    if month == "*":
        return text
    months = _numbers(month)
    if months is None or not all(1 <= m <= 12 for m in months):
        return None
    if zh:
        return "、".join(f"{m}月" for m in months) + text.replace("每月", "")
    return text.replace(" of every month", "") + " in " + ", ".join(_MONTHS_EN[m - 1] for m in months)


def cron_text(expression: Any, language: str = "en") -> str:
    """The schedule in words, always in UTC; the expression itself when it is more than that."""
    zh = language.startswith("zh")
    fields = expression.split() if isinstance(expression, str) else []
    if len(fields) == 5:
        minute, hour, day, month, weekday = fields
        time, days = _time(minute, hour, zh), _days(day, month, weekday, zh)
        if time and days and days in ("每天", "every day") and time.startswith(("每", "every")):
            days = ""                     # "every 15 minutes", not "every day every 15 minutes"
        if time and days is not None:
            return f"{days} {time}（UTC）".lstrip() if zh else f"{days} {time} (UTC)".lstrip()
    return f"按“{expression}”（UTC）" if zh else f"on the schedule “{expression}” (UTC)"


def next_runs(expression: Any, count: int = 3) -> list[str]:
    """The next few times the job is due, for the page to show; [] for a bad cron."""
    from engine.definitions.semantic_jobs import cron_problem
    if not isinstance(expression, str) or cron_problem(expression):
        return []
    from croniter import croniter
    runs = croniter(expression, datetime.now(timezone.utc))
    return [runs.get_next(datetime).strftime("%Y-%m-%d %H:%M") for _ in range(count)]


def action_kind(action: Any) -> str:
    if isinstance(action, dict):
        for kind in ("create", "report", "anomalies"):
            if kind in action:
                return kind
    return ""


def job_sentence(definition: dict, job: Any, language: str | None = "en") -> str:
    language = "zh" if (language or "").startswith("zh") else "en"
    if not isinstance(job, dict) or not isinstance(definition, dict):
        return ""
    zh = language == "zh"
    action = job.get("action") if isinstance(job.get("action"), dict) else {}
    kind = action_kind(action)
    if kind == "create":
        names = _Names(definition, language)
        what = (f"新建一条{names.form_label(str(action['create']))}" if zh
                else f"creates a {names.form_label(str(action['create']))}")
    elif kind == "report":
        what = f"运行报告生成器 {action['report']}" if zh else f"runs the report builder {action['report']}"
    elif kind == "anomalies":
        options = action["anomalies"] if isinstance(action["anomalies"], dict) else {}
        who = options.get("notify") or ["manager"]
        who = [str(w) for w in who] if isinstance(who, list) else [str(who)]
        what = (f"检查销售与库存异常并通知{'、'.join(who)}" if zh
                else f"checks sales and stock for anomalies and notifies {', '.join(who)}")
    else:
        what = "（还没有选择做什么）" if zh else "(does nothing yet)"
    when = cron_text(job.get("cron"), language)
    label = _text(job.get("label"), language, str(job.get("name") or ""))
    return f"“{label}”：{when}{what}" if zh else f"“{label}” {when}: {what}."

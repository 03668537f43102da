"""Every word the page shows, in Arabic and English. The interface language sets the page's
direction too (ui/assets.py); "auto" follows the language of the last question."""

LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}  # each language by its own name

LABELS = {
    "en": {
        "title": "isnad: questions about the news, answered with sources",
        "chat": "Conversation", "question": "Your question", "placeholder": "Ask in Arabic or English…",
        "send": "Ask", "stop": "Cancel", "new_chat": "New chat", "copy": "Copy", "copy_all": "Copy conversation",
        "sources": "Sources", "no_sources": "Click a citation [n] to see its passage.", "close": "Close",
        "mode": "Answer mode", "filters": "Filters", "source_filter": "Source", "language_filter": "Language of the sources",
        "date_from": "From date", "date_to": "To date", "examples": "Examples (click to ask)",
        "interface": "Interface language", "auto": "Auto (follows the question)",
        "auto_note": "The page follows the language of your last question.",
        "date": "Date", "outlet": "Outlet", "speaker": "Said by", "you": "You", "isnad": "isnad",
        "modes": {"local": "Local model", "extractive": "Quotes only (no model)", "endpoint": "Configured endpoint"},
        "draft": "Draft, being checked against the sources…", "checked": "Checked against the sources",
        "queued": "Waiting for the local model: you are number {place} in line ({waited:.0f} s). "
                  "Quotes-only answers do not wait.",
        "thinking": "Searching the sources…", "cancelled": "Question cancelled.",
        "bad_date": "“{value}” is not a date: pick one from the calendar or type it as 2016-12-31.",
        "no_match": "No article matches these filters. Loosen: {filters}.",
        "filter_names": {"source": "source", "language": "language of the sources", "date_from": "from date",
                         "date_to": "to date"},
        "error": "Something went wrong; the question was not answered. Try again, or another answer mode.",
        "model_unavailable": "This answer mode is not available here. Choose “Local model” or “Quotes only”.",
        "bad_question": "This question cannot be asked as it is: {detail}",
    },
    "ar": {
        "title": "إسناد: أسئلة عن الأخبار وإجابات بمصادرها",
        "chat": "المحادثة", "question": "سؤالك", "placeholder": "اسأل بالعربية أو بالإنجليزية…",
        "send": "اسأل", "stop": "إلغاء", "new_chat": "محادثة جديدة", "copy": "نسخ", "copy_all": "نسخ المحادثة",
        "sources": "المصادر", "no_sources": "انقر على رقم المصدر [n] لعرض المقطع.", "close": "إغلاق",
        "mode": "طريقة الإجابة", "filters": "التصفية", "source_filter": "المصدر", "language_filter": "لغة المصادر",
        "date_from": "من تاريخ", "date_to": "إلى تاريخ", "examples": "أمثلة (انقر لتسأل)",
        "interface": "لغة الواجهة", "auto": "تلقائية (حسب لغة السؤال)",
        "auto_note": "تتبع الواجهة لغة سؤالك الأخير.",
        "date": "التاريخ", "outlet": "الوسيلة", "speaker": "القائل", "you": "أنت", "isnad": "إسناد",
        "modes": {"local": "النموذج المحلي", "extractive": "اقتباسات فقط (دون نموذج)", "endpoint": "الخادم المُعدّ"},
        "draft": "مسودة، يجري التحقق منها في المصادر…", "checked": "تم التحقق منها في المصادر",
        "queued": "في انتظار النموذج المحلي: دورك {place} ({waited:.0f} ث). إجابات «اقتباسات فقط» لا تنتظر.",
        "thinking": "يجري البحث في المصادر…", "cancelled": "أُلغي السؤال.",
        "bad_date": "«{value}» ليس تاريخاً: اختره من التقويم أو اكتبه بالشكل 2016-12-31.",
        "no_match": "لا توجد مقالات تطابق هذه التصفية. خفّف: {filters}.",
        "filter_names": {"source": "المصدر", "language": "لغة المصادر", "date_from": "من تاريخ", "date_to": "إلى تاريخ"},
        "error": "حدث خطأ ولم تتم الإجابة عن السؤال. أعد المحاولة، أو اختر طريقة إجابة أخرى.",
        "model_unavailable": "طريقة الإجابة هذه غير متاحة هنا. اختر «النموذج المحلي» أو «اقتباسات فقط».",
        "bad_question": "لا يمكن طرح السؤال بهذا الشكل: {detail}",
    },
}

EXAMPLES = [
    "كم مدنياً محاصراً في شرقي حلب بحسب الدفاع المدني السوري؟",
    "مع من التقى رئيس الائتلاف الوطني في بروكسل؟",
    "How many civilians are besieged in Deir ez-Zor according to the local council?",
    "What did the head of the Aleppo local council ask for at the press conference?",
]

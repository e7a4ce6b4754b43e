//! Every interface string in English, Russian and Kazakh. A key without all three does not
//! compile: each arm of [`text`] returns the three at once.

use crate::lang::Lang;
use crate::snapshot::Status;

/// An interface string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// Heading of the portfolio panel.
    PortfolioTitle,
    /// Label under the project count.
    Projects,
    /// Label under the investment total.
    Investment,
    /// Label under the jobs figure.
    Jobs,
    /// `as of {date}`.
    AsOf,
    /// Heading of a record's sources.
    Sources,
    /// A figure that no source discloses.
    NotDisclosed,
    /// Heading of the project list.
    NamedProjects,
    /// Heading of the by-district chart.
    ByDistrict,
    /// Heading of the by-sector chart.
    BySector,
    /// Heading of the history chart.
    History,
    /// Label of the currency switch.
    Currency,
    /// Explains the converted dollar figures.
    ConvertedAt,
    /// Says that positions are schematic.
    SchematicLayout,
    /// Shown when the data snapshot is invalid.
    DataErrorTitle,
    /// Lead-in to the data errors.
    DataErrorLead,
    /// Citywide (no district).
    Citywide,
    /// A priority project.
    Priority,
    /// Items counted with no investment disclosed.
    InvestmentUndisclosedCount,
    /// Opens and closes the panel.
    ShowPortfolio,
    /// Investment row of a record.
    RecordInvestment,
    /// Jobs row of a record.
    RecordJobs,
    /// District row of a record.
    District,
    /// Cluster row of a record.
    Cluster,
    /// Sector row of a record.
    Sector,
    /// Status row of a record.
    Status,
    /// Area row of a district.
    Area,
    /// Planned residents of a district.
    ResidentsPlanned,
    /// Residents today.
    ResidentsNow,
    /// Planned housing floor area.
    Housing,
    /// Planned commercial floor area.
    Commercial,
    /// A district record's kind.
    KindDistrict,
    /// A cluster zone record's kind.
    KindCluster,
    /// A project record's kind.
    KindProject,
    /// Heading of a record's timeline.
    Timeline,
    /// Closes the info panel.
    Close,
    /// Label of the language switch.
    Language,
    /// Label of the search field.
    Search,
    /// Hint inside the search field.
    SearchPlaceholder,
    /// The search found nothing.
    NoMatches,
    /// The share button.
    Share,
    /// The link to the view is on the clipboard.
    LinkCopied,
    /// The clipboard is unavailable: the link is shown to copy by hand.
    CopyThisLink,
    /// Heading of the legend and filters.
    Legend,
    /// A filter that lets everything through.
    All,
    /// How many named projects pass the filters.
    MatchingProjects,
    /// Heading of the layer switches.
    Layers,
    /// The districts and cluster zones layer.
    LayerZones,
    /// The buildings layer.
    LayerMassing,
    /// The labels layer.
    LayerLabels,
    /// The roads and rail layer.
    LayerRoads,
    /// The terrain exaggeration menu.
    TerrainRelief,
    /// The tours button and the heading of the tour list.
    Tours,
    /// The tour caption's position: `{n}` and `{total}`.
    TourStep,
    /// The tour caption's previous-step button.
    TourPrevious,
    /// The tour caption's next-step button.
    TourNext,
    /// The play button of a paused tour.
    TourPlay,
    /// The pause button of a playing tour.
    TourPause,
    /// The play button after the visitor took the camera (flies back to the step).
    TourResume,
    /// The button that ends the tour.
    TourExit,
    /// The tour list when the tours file was refused.
    ToursOff,
    /// Said on the caption when the visitor's own input paused the tour.
    TourPausedByVisitor,
    /// The presenter's notes, on the caption in the presenter console.
    PresenterNotes,
    /// The kiosk's attract prompt.
    KioskTouchToExplore,
    /// The kiosk's question after a while without input.
    KioskStillThere,
    /// Under it: `{n}` seconds before the kiosk starts over.
    KioskStillThereHint,
    /// The kiosk's button (and card title) that shows the current view as a QR code.
    KioskTakeThisView,
    /// Under the view's QR code.
    KioskTakeThisViewHint,
    /// The card a kiosk shows for a source link instead of opening it.
    KioskSourceOnYourPhone,
    /// Under the source's QR code.
    KioskSourceHint,
    /// The presenter console's heading and the caption's button that opens it.
    PresenterConsole,
    /// The console sees the audience's window.
    ConsoleAudienceConnected,
    /// The console sees no audience window.
    ConsoleAudienceMissing,
    /// The browser cannot link two windows.
    ConsoleNoChannel,
    /// The console's prompt before a tour starts.
    ConsoleChooseTour,
    /// The console's notes when the step has none.
    ConsoleNoNotes,
    /// The console's next step: `{title}`.
    ConsoleNext,
    /// The console on the tour's last step.
    ConsoleLastStep,
    /// The step's time: `{elapsed}` of `{planned}`.
    ConsoleStepTime,
    /// The tour's time: `{elapsed}` of `{planned}`.
    ConsoleTourTime,
    /// The console's wall clock: `{time}`.
    ConsoleClock,
    /// A project no source has named yet, at a year.
    StageNotYet,
    /// A project whose stage at a year no published date tells.
    StageUndated,
    /// Announced or planned, at a year.
    StagePlanned,
    /// Being built, at a year.
    StageUnderConstruction,
    /// Built or operating, at a year.
    StageBuilt,
    /// A project's stage at a year: `{year}`, `{stage}`.
    StageInYear,
    /// When a source first named the project: `{date}`.
    FirstNamedOn,
    /// The announcement date is not published.
    AnnouncementNotPublished,
    /// The stage is a plan, from `{date}`.
    AsPlannedFrom,
    /// The stage is reported, from `{date}`.
    ReportedFrom,
    /// The completion date is not published.
    CompletionNotPublished,
    /// Timeline entry: `{name}` first named.
    EntryAnnounced,
    /// Timeline entry: `{name}` construction starts.
    EntryConstructionStart,
    /// Timeline entry: `{name}` planned completion.
    EntryCompletion,
    /// Timeline entry: the portfolio counts `{n}` projects.
    EntryPortfolio,
    /// Timeline entry: population `{n}`.
    EntryPopulation,
    /// Label of the year control.
    Year,
    /// A column or heading at a year: `{year}`.
    AtYear,
    /// Plays the years.
    TimelinePlay,
    /// Pauses the years.
    TimelinePause,
    /// Heading of the milestone list: `{year}`.
    MilestonesUntil,
    /// The milestone list is empty.
    NoMilestonesYet,
    /// Marks a planned (future) date.
    PlannedDate,
    /// Says the buildings are the plan's build-out, not dated.
    MassingBuildOut,
    /// No portfolio figures by `{year}`.
    PortfolioNotYet,
    /// The portfolio panel at a year: `{year}`, `{date}`.
    PortfolioAtYear,
    /// The portfolio's projects are not itemised publicly.
    NotItemised,
    /// Row of a project: whether it is among the portfolio's projects.
    InPortfolio,
    /// A value no source gives (a yes or no, not a figure).
    NotKnown,
    /// Another amount a source reports: `{amount}`, `{source}`.
    AlsoReported,
    /// A status with its date: `{status}`, `{date}`.
    StatusReportedOn,
    /// A population row.
    Population,
    /// Heading of the 2050 figures.
    Targets2050,
    /// Legend line of the stage looks.
    TimelineStagesHint,
    /// A landmark's model not shown: `{reason}`, the stand-in's `{height}`.
    ModelNotUsed,
    /// Why: the file cannot be read.
    ModelUnreadable,
    /// Why: the file holds no geometry.
    ModelEmpty,
    /// Why: `{measured}` tall against the `{published}` height.
    ModelHeightOff,
    /// Why: `{height}` tall and `{extent}` across, with no height published.
    ModelOutOfScale,
}

/// The string for `key` in `lang`.
pub fn text(key: Key, lang: Lang) -> &'static str {
    lang.pick(match key {
        Key::PortfolioTitle => [
            "Investment portfolio",
            "Инвестиционный портфель",
            "Инвестициялық портфель",
        ],
        Key::Projects => ["projects", "проектов", "жоба"],
        Key::Investment => ["investment", "инвестиций", "инвестиция"],
        Key::Jobs => ["jobs", "рабочих мест", "жұмыс орны"],
        Key::AsOf => [
            "as of {date}",
            "по состоянию на {date}",
            "{date} жағдайы бойынша",
        ],
        Key::Sources => ["Sources", "Источники", "Дереккөздер"],
        Key::NotDisclosed => ["not disclosed", "не раскрывается", "жарияланбаған"],
        Key::NamedProjects => ["Named projects", "Названные проекты", "Аталған жобалар"],
        Key::ByDistrict => [
            "Named projects by district",
            "Названные проекты по районам",
            "Аталған жобалар аудандар бойынша",
        ],
        Key::BySector => [
            "Named projects by sector",
            "Названные проекты по секторам",
            "Аталған жобалар секторлар бойынша",
        ],
        Key::History => [
            "Portfolio over time",
            "Динамика портфеля",
            "Портфель динамикасы",
        ],
        Key::Currency => ["Currency", "Валюта", "Валюта"],
        Key::ConvertedAt => [
            "Converted at {rate} ₸ per US$ (the portfolio report's own ratio)",
            "Пересчёт по курсу {rate} ₸ за 1 $ (соотношение из отчёта о портфеле)",
            "1 $ үшін {rate} ₸ бағамымен есептелді (портфель есебіндегі арақатынас)",
        ],
        Key::SchematicLayout => [
            "Schematic layout: district outlines, project positions, shorelines, rivers and roads are drawn schematically; no boundaries or project coordinates are published",
            "Схематичная раскладка: контуры районов, места проектов, берега, реки и дороги показаны схематично; границы и координаты проектов не опубликованы",
            "Сызбалық орналасу: аудан шекаралары, жоба орындары, жағалаулар, өзендер мен жолдар сызба түрінде көрсетілген; шекаралар мен жоба координаттары жарияланбаған",
        ],
        Key::DataErrorTitle => [
            "The city data could not be loaded",
            "Не удалось загрузить данные города",
            "Қала деректерін жүктеу мүмкін болмады",
        ],
        Key::DataErrorLead => [
            "{file} is not valid:",
            "Файл {file} содержит ошибки:",
            "{file} файлында қателер бар:",
        ],
        Key::Citywide => ["Citywide", "Весь город", "Бүкіл қала"],
        Key::Priority => ["Priority project", "Приоритетный проект", "Басым жоба"],
        Key::InvestmentUndisclosedCount => [
            "{n} of them without a disclosed investment",
            "из них у {n} сумма инвестиций не раскрывается",
            "оның {n} жобасының инвестиция көлемі жарияланбаған",
        ],
        Key::ShowPortfolio => ["Portfolio", "Портфель", "Портфель"],
        Key::RecordInvestment => ["Investment", "Инвестиции", "Инвестиция"],
        Key::RecordJobs => ["Jobs", "Рабочие места", "Жұмыс орындары"],
        Key::District => ["District", "Район", "Аудан"],
        Key::Cluster => ["Cluster", "Кластер", "Кластер"],
        Key::Sector => ["Sector", "Отрасль", "Сала"],
        Key::Status => ["Status", "Статус", "Мәртебесі"],
        Key::Area => ["Area", "Площадь", "Аумағы"],
        Key::ResidentsPlanned => ["Residents planned", "Жителей по плану", "Жоспарланған тұрғындар"],
        Key::ResidentsNow => ["Residents today", "Жителей сейчас", "Қазіргі тұрғындар"],
        Key::Housing => ["Housing", "Жильё", "Тұрғын үй"],
        Key::Commercial => ["Commercial space", "Коммерческие площади", "Коммерциялық алаң"],
        Key::KindDistrict => ["District", "Район", "Аудан"],
        Key::KindCluster => ["Cluster zone", "Кластерная зона", "Кластерлік аймақ"],
        Key::KindProject => ["Project", "Проект", "Жоба"],
        Key::Timeline => ["Timeline", "Хронология", "Хронология"],
        Key::Close => ["Close", "Закрыть", "Жабу"],
        Key::Tours => ["Tours", "Туры", "Турлар"],
        Key::TourStep => [
            "Step {n} of {total}",
            "Шаг {n} из {total}",
            "{total} қадамның {n}-қадамы",
        ],
        Key::TourPrevious => ["Previous", "Назад", "Алдыңғы"],
        Key::TourNext => ["Next", "Далее", "Келесі"],
        Key::TourPlay => ["Play", "Воспроизвести", "Ойнату"],
        Key::TourPause => ["Pause", "Пауза", "Кідірту"],
        Key::TourResume => ["Resume", "Продолжить", "Жалғастыру"],
        Key::TourExit => ["Exit tour", "Выйти из тура", "Турдан шығу"],
        Key::ToursOff => [
            "Tours are not available:",
            "Туры недоступны:",
            "Турлар қолжетімсіз:",
        ],
        Key::TourPausedByVisitor => [
            "Paused while you look around",
            "Пауза, пока вы осматриваетесь",
            "Сіз айналаны қарап жатқанда кідіртілді",
        ],
        Key::PresenterNotes => ["Presenter notes", "Заметки докладчика", "Баяндамашы жазбалары"],
        Key::PresenterConsole => [
            "Presenter console",
            "Пульт докладчика",
            "Баяндамашы пульті",
        ],
        Key::ConsoleAudienceConnected => [
            "Audience window connected",
            "Окно для зрителей подключено",
            "Көрермен терезесі қосылды",
        ],
        Key::ConsoleAudienceMissing => [
            "No audience window: open Alatau Explorer in another window (the projector); this console then drives it.",
            "Окна для зрителей нет: откройте Alatau Explorer в другом окне (на проекторе), и пульт будет управлять им.",
            "Көрермен терезесі жоқ: Alatau Explorer-ді басқа терезеде (проекторда) ашыңыз, сонда пульт оны басқарады.",
        ],
        Key::ConsoleNoChannel => [
            "This browser cannot link two windows: the console drives only itself.",
            "Этот браузер не может связать два окна: пульт управляет только собой.",
            "Бұл браузер екі терезені байланыстыра алмайды: пульт тек өзін басқарады.",
        ],
        Key::ConsoleChooseTour => [
            "Choose a tour to present",
            "Выберите тур для показа",
            "Көрсету үшін турды таңдаңыз",
        ],
        Key::ConsoleNoNotes => [
            "No notes for this step.",
            "К этому шагу заметок нет.",
            "Бұл қадамға жазба жоқ.",
        ],
        Key::ConsoleNext => [
            "Next: {title}",
            "Далее: {title}",
            "Келесі: {title}",
        ],
        Key::ConsoleLastStep => [
            "This is the last step.",
            "Это последний шаг.",
            "Бұл соңғы қадам.",
        ],
        Key::ConsoleStepTime => [
            "Step {elapsed} of {planned}",
            "Шаг: {elapsed} из {planned}",
            "Қадам: {elapsed} / {planned}",
        ],
        Key::ConsoleTourTime => [
            "Tour {elapsed} of {planned}",
            "Тур: {elapsed} из {planned}",
            "Тур: {elapsed} / {planned}",
        ],
        Key::ConsoleClock => [
            "Clock {time}",
            "Время {time}",
            "Уақыт {time}",
        ],
        Key::KioskTouchToExplore => [
            "Touch to explore",
            "Коснитесь, чтобы исследовать",
            "Зерттеу үшін түртіңіз",
        ],
        Key::KioskStillThere => [
            "Still there?",
            "Вы ещё здесь?",
            "Әлі осындасыз ба?",
        ],
        Key::KioskStillThereHint => [
            "Touch anywhere to keep exploring. Starting over in {n} s.",
            "Коснитесь экрана, чтобы продолжить. Начнём заново через {n} с.",
            "Жалғастыру үшін экранды түртіңіз. {n} с кейін басынан басталады.",
        ],
        Key::KioskTakeThisView => [
            "Take this view with you",
            "Возьмите этот вид с собой",
            "Бұл көріністі өзіңізбен алыңыз",
        ],
        Key::KioskTakeThisViewHint => [
            "Scan the code with your phone's camera to open this view on it.",
            "Наведите камеру телефона на код, чтобы открыть этот вид на нём.",
            "Осы көріністі телефонда ашу үшін кодты оның камерасымен сканерлеңіз.",
        ],
        Key::KioskSourceOnYourPhone => [
            "Read this source on your phone",
            "Прочитайте источник на телефоне",
            "Дереккөзді телефоныңыздан оқыңыз",
        ],
        Key::KioskSourceHint => [
            "This kiosk stays in the explorer: scan the code to open the source on your phone.",
            "Киоск не уходит из приложения: отсканируйте код, чтобы открыть источник на телефоне.",
            "Киоск қосымшадан шықпайды: дереккөзді телефонда ашу үшін кодты сканерлеңіз.",
        ],
        Key::Language => ["Language", "Язык", "Тіл"],
        Key::Search => ["Search", "Поиск", "Іздеу"],
        Key::SearchPlaceholder => ["Find a district or project", "Найти район или проект", "Аудан не жобаны табу"],
        Key::NoMatches => ["Nothing found", "Ничего не найдено", "Ештеңе табылмады"],
        Key::Share => ["Share", "Поделиться", "Бөлісу"],
        Key::LinkCopied => ["Link copied", "Ссылка скопирована", "Сілтеме көшірілді"],
        Key::CopyThisLink => ["Copy this link:", "Скопируйте ссылку:", "Мына сілтемені көшіріңіз:"],
        Key::Legend => ["Legend", "Легенда", "Шартты белгілер"],
        Key::All => ["All", "Все", "Барлығы"],
        Key::MatchingProjects => ["{n} of the named projects match", "Подходит названных проектов: {n}", "Сәйкес келетін аталған жобалар: {n}"],
        Key::Layers => ["Layers", "Слои", "Қабаттар"],
        Key::LayerZones => ["Districts and zones", "Районы и зоны", "Аудандар мен аймақтар"],
        Key::LayerMassing => ["Buildings", "Здания", "Ғимараттар"],
        Key::LayerLabels => ["Labels", "Подписи", "Жазбалар"],
        Key::LayerRoads => ["Roads and rail", "Дороги и железная дорога", "Жолдар мен теміржол"],
        Key::TerrainRelief => ["Terrain relief", "Рельеф местности", "Жер бедері"],
        Key::StageNotYet => [
            "not yet named",
            "ещё не назван",
            "әлі аталмаған",
        ],
        Key::StageUndated => [
            "date not published",
            "дата не опубликована",
            "күні жарияланбаған",
        ],
        Key::StagePlanned => [
            "announced or planned",
            "объявлен или планируется",
            "жарияланған не жоспарланған",
        ],
        Key::StageUnderConstruction => [
            "under construction",
            "строится",
            "салынуда",
        ],
        Key::StageBuilt => [
            "built or operating",
            "построен или работает",
            "салынған не жұмыс істейді",
        ],
        Key::StageInYear => [
            "In {year}: {stage}",
            "В {year} году: {stage}",
            "{year} жылы: {stage}",
        ],
        Key::FirstNamedOn => [
            "first named {date}",
            "впервые назван: {date}",
            "алғаш аталған күні: {date}",
        ],
        Key::AnnouncementNotPublished => [
            "the announcement date is not published",
            "дата объявления не опубликована",
            "хабарланған күні жарияланбаған",
        ],
        Key::AsPlannedFrom => [
            "as planned, from {date}",
            "по плану, с {date}",
            "жоспар бойынша, {date} бастап",
        ],
        Key::ReportedFrom => [
            "reported {date}",
            "сообщено: {date}",
            "хабарланған күні: {date}",
        ],
        Key::CompletionNotPublished => [
            "completion date not published",
            "дата завершения не опубликована",
            "аяқталу күні жарияланбаған",
        ],
        Key::EntryAnnounced => [
            "{name}: first named",
            "{name}: впервые назван",
            "{name}: алғаш аталды",
        ],
        Key::EntryConstructionStart => [
            "{name}: construction starts",
            "{name}: начало строительства",
            "{name}: құрылыс басталады",
        ],
        Key::EntryCompletion => [
            "{name}: completion planned",
            "{name}: плановое завершение",
            "{name}: жоспарлы аяқталуы",
        ],
        Key::EntryPortfolio => [
            "Investment portfolio: {n} projects",
            "Инвестиционный портфель: проектов — {n}",
            "Инвестициялық портфель: {n} жоба",
        ],
        Key::EntryPopulation => [
            "Population: {n}",
            "Население: {n}",
            "Халқы: {n}",
        ],
        Key::AtYear => [
            "In {year}",
            "В {year} году",
            "{year} жылы",
        ],
        Key::Year => [
            "Year",
            "Год",
            "Жыл",
        ],
        Key::TimelinePlay => [
            "Play the years",
            "Проиграть годы",
            "Жылдарды ойнату",
        ],
        Key::TimelinePause => [
            "Pause",
            "Пауза",
            "Кідірту",
        ],
        Key::MilestonesUntil => [
            "Milestones up to {year}",
            "Вехи до {year} года",
            "{year} жылға дейінгі кезеңдер",
        ],
        Key::NoMilestonesYet => [
            "No dated milestones yet",
            "Датированных вех пока нет",
            "Күні белгілі кезеңдер әзірге жоқ",
        ],
        Key::PlannedDate => [
            "planned",
            "план",
            "жоспар",
        ],
        Key::MassingBuildOut => [
            "Buildings show the master plan's build-out, not a date",
            "Здания показывают застройку по генплану, а не дату",
            "Ғимараттар бас жоспар бойынша құрылысты көрсетеді, күнді емес",
        ],
        Key::PortfolioNotYet => [
            "No portfolio figures were reported by {year}",
            "К {year} году данные портфеля не публиковались",
            "{year} жылға дейін портфель деректері жарияланбаған",
        ],
        Key::PortfolioAtYear => [
            "In {year}: as last reported on {date}",
            "В {year} году: по последним данным на {date}",
            "{year} жылы: {date} соңғы деректері бойынша",
        ],
        Key::NotItemised => [
            "The portfolio's projects are not itemised publicly; the named projects below may or may not be among them",
            "Проекты портфеля публично не перечислены; названные ниже проекты могут входить в него, а могут и не входить",
            "Портфель жобалары жария түрде тізілмеген; төменде аталған жобалар оған кіруі де, кірмеуі де мүмкін",
        ],
        Key::InPortfolio => [
            "Among the portfolio's projects",
            "Входит в портфель",
            "Портфель жобаларының қатарында",
        ],
        Key::NotKnown => [
            "not known (no source says)",
            "неизвестно (источники не сообщают)",
            "белгісіз (дереккөздер айтпайды)",
        ],
        Key::AlsoReported => [
            "also reported: {amount} ({source})",
            "также сообщалось: {amount} ({source})",
            "сондай-ақ хабарланған: {amount} ({source})",
        ],
        Key::StatusReportedOn => [
            "{status} (reported {date})",
            "{status} (сообщено: {date})",
            "{status} (хабарланған күні: {date})",
        ],
        Key::Population => [
            "Population",
            "Население",
            "Халқы",
        ],
        Key::Targets2050 => [
            "Planned for 2050",
            "Планы на 2050 год",
            "2050 жылға жоспар",
        ],
        Key::TimelineStagesHint => [
            "Named projects at the chosen year",
            "Названные проекты в выбранном году",
            "Таңдалған жылдағы аталған жобалар",
        ],
        Key::ModelNotUsed => [
            "The 3D model could not be used: {reason}. A plain block stands in at {height}.",
            "3D-модель не удалось использовать: {reason}. Вместо неё стоит простой блок высотой {height}.",
            "3D үлгіні пайдалану мүмкін болмады: {reason}. Оның орнында биіктігі {height} қарапайым блок тұр.",
        ],
        Key::ModelUnreadable => [
            "the file cannot be read",
            "файл не читается",
            "файл оқылмайды",
        ],
        Key::ModelEmpty => [
            "the file holds no geometry",
            "в файле нет геометрии",
            "файлда геометрия жоқ",
        ],
        Key::ModelHeightOff => [
            "it is {measured} tall where the published height is {published}",
            "её высота {measured}, а опубликованная высота {published}",
            "оның биіктігі {measured}, ал жарияланған биіктігі {published}",
        ],
        Key::ModelOutOfScale => [
            "it is {height} tall and {extent} across, beyond any building of its kind",
            "её высота {height}, а ширина {extent}: больше любого здания такого рода",
            "оның биіктігі {height}, ені {extent}: мұндай ғимараттардың кез келгенінен үлкен",
        ],
    })
}

/// The name of a project status.
pub fn status(status: Status, lang: Lang) -> &'static str {
    lang.pick(match status {
        Status::Announced => ["Announced", "Объявлен", "Жарияланды"],
        Status::Planned => ["Planned", "Планируется", "Жоспарланған"],
        Status::UnderConstruction => ["Under construction", "Строится", "Салынуда"],
        Status::Expanding => ["Expanding", "Расширяется", "Кеңейтілуде"],
        Status::Operating => ["Operating", "Работает", "Жұмыс істейді"],
    })
}

/// `template` with `{name}` replaced by `value`.
pub fn fill(template: &str, name: &str, value: &str) -> String {
    template.replace(&format!("{{{name}}}"), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [Key; 120] = [
        Key::StageNotYet,
        Key::StageUndated,
        Key::StagePlanned,
        Key::StageUnderConstruction,
        Key::StageBuilt,
        Key::StageInYear,
        Key::FirstNamedOn,
        Key::AnnouncementNotPublished,
        Key::AsPlannedFrom,
        Key::ReportedFrom,
        Key::CompletionNotPublished,
        Key::EntryAnnounced,
        Key::EntryConstructionStart,
        Key::EntryCompletion,
        Key::EntryPortfolio,
        Key::EntryPopulation,
        Key::Year,
        Key::AtYear,
        Key::TimelinePlay,
        Key::TimelinePause,
        Key::MilestonesUntil,
        Key::NoMilestonesYet,
        Key::PlannedDate,
        Key::MassingBuildOut,
        Key::PortfolioNotYet,
        Key::PortfolioAtYear,
        Key::NotItemised,
        Key::InPortfolio,
        Key::NotKnown,
        Key::AlsoReported,
        Key::StatusReportedOn,
        Key::Population,
        Key::Targets2050,
        Key::TimelineStagesHint,
        Key::ModelNotUsed,
        Key::ModelUnreadable,
        Key::ModelEmpty,
        Key::ModelHeightOff,
        Key::ModelOutOfScale,
        Key::KioskTakeThisView,
        Key::KioskTakeThisViewHint,
        Key::KioskSourceOnYourPhone,
        Key::KioskSourceHint,
        Key::KioskTouchToExplore,
        Key::KioskStillThere,
        Key::KioskStillThereHint,
        Key::PresenterConsole,
        Key::ConsoleAudienceConnected,
        Key::ConsoleAudienceMissing,
        Key::ConsoleNoChannel,
        Key::ConsoleChooseTour,
        Key::ConsoleNoNotes,
        Key::ConsoleNext,
        Key::ConsoleLastStep,
        Key::ConsoleStepTime,
        Key::ConsoleTourTime,
        Key::ConsoleClock,
        Key::Tours,
        Key::TourStep,
        Key::TourPrevious,
        Key::TourNext,
        Key::TourPlay,
        Key::TourPause,
        Key::TourResume,
        Key::TourExit,
        Key::ToursOff,
        Key::TourPausedByVisitor,
        Key::PresenterNotes,
        Key::PortfolioTitle,
        Key::Projects,
        Key::Investment,
        Key::Jobs,
        Key::AsOf,
        Key::Sources,
        Key::NotDisclosed,
        Key::NamedProjects,
        Key::ByDistrict,
        Key::BySector,
        Key::History,
        Key::Currency,
        Key::ConvertedAt,
        Key::SchematicLayout,
        Key::DataErrorTitle,
        Key::DataErrorLead,
        Key::Citywide,
        Key::Priority,
        Key::InvestmentUndisclosedCount,
        Key::ShowPortfolio,
        Key::RecordInvestment,
        Key::RecordJobs,
        Key::District,
        Key::Cluster,
        Key::Sector,
        Key::Status,
        Key::Area,
        Key::ResidentsPlanned,
        Key::ResidentsNow,
        Key::Housing,
        Key::Commercial,
        Key::KindDistrict,
        Key::KindCluster,
        Key::KindProject,
        Key::Timeline,
        Key::Close,
        Key::Language,
        Key::Search,
        Key::SearchPlaceholder,
        Key::NoMatches,
        Key::Share,
        Key::LinkCopied,
        Key::CopyThisLink,
        Key::Legend,
        Key::All,
        Key::MatchingProjects,
        Key::Layers,
        Key::LayerZones,
        Key::LayerMassing,
        Key::LayerLabels,
        Key::LayerRoads,
        Key::TerrainRelief,
    ];

    #[test]
    fn every_string_exists_and_keeps_its_placeholders_in_every_language() {
        for key in KEYS {
            let english = text(key, Lang::En);
            for lang in Lang::ALL {
                let translated = text(key, lang);
                assert!(!translated.trim().is_empty(), "{key:?} in {lang:?}");
                for placeholder in [
                    "{date}",
                    "{n}",
                    "{rate}",
                    "{file}",
                    "{year}",
                    "{stage}",
                    "{name}",
                    "{amount}",
                    "{reason}",
                    "{height}",
                    "{measured}",
                    "{published}",
                    "{extent}",
                    "{source}",
                ] {
                    assert_eq!(
                        english.contains(placeholder),
                        translated.contains(placeholder),
                        "{key:?} in {lang:?} must keep {placeholder}"
                    );
                }
            }
        }
    }

    #[test]
    fn russian_and_kazakh_are_translations_not_copies() {
        let copies = KEYS
            .iter()
            .filter(|key| text(**key, Lang::Ru) == text(**key, Lang::En))
            .count();
        assert_eq!(copies, 0, "no Russian string is left in English");
        assert_ne!(
            status(Status::Planned, Lang::Kk),
            status(Status::Planned, Lang::En)
        );
    }

    #[test]
    fn fill_replaces_a_named_placeholder() {
        assert_eq!(
            fill(text(Key::AsOf, Lang::En), "date", "4 February 2026"),
            "as of 4 February 2026"
        );
    }
}

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
    /// `{n} further projects not itemised in public sources`.
    FurtherProjects,
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
        Key::FurtherProjects => [
            "{n} further projects not itemised in public sources",
            "ещё {n} проектов не перечислены в открытых источниках",
            "тағы {n} жоба ашық дереккөздерде аталмаған",
        ],
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

    const KEYS: [Key; 78] = [
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
        Key::FurtherProjects,
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
                for placeholder in ["{date}", "{n}", "{rate}", "{file}"] {
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

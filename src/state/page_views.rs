//! The page's view models, each rebuilt only when the fields it shows change (each builder
//! checks its own inputs' change ticks, so no change is lost while the data is on its way): the portfolio
//! from the data, the language and the currency; the info panel from those, the selection and
//! what the landmark models' check refused;
//! the project table (the no-WebGL view) like the portfolio. `web/` copies a view into the page
//! when it changes, so a new selection, filter, layer or tour step leaves the portfolio alone.

use bevy::prelude::*;

use crate::AppSystems;
use crate::model::portfolio_view::PortfolioView;
use crate::model::project_table::ProjectTable;
use crate::model::record_view::RecordView;
use crate::world::choices::{Language, Selection, ShownCurrency, ShownYear};
use crate::world::data::CityData;
use crate::world::model_checks::LandmarkProblems;
use crate::world::phase::data_is_in;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PortfolioPanel>()
        .init_resource::<InfoPanel>()
        .init_resource::<ProjectTablePanel>()
        .add_systems(
            Update,
            (build_portfolio_panel, build_info_panel, build_project_table)
                .run_if(data_is_in)
                .in_set(AppSystems::Render)
                .in_set(PageViews),
        );
}

/// The systems that rebuild the page's view models; the page copies them after these.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageViews;

/// The portfolio panel's content, once the data is in.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct PortfolioPanel(pub Option<PortfolioView>);

/// The info panel's content: the selected record, or nothing (the panel hides).
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct InfoPanel(pub Option<RecordView>);

/// The project table of the no-WebGL view, once the data is in.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct ProjectTablePanel(pub Option<ProjectTable>);

fn build_portfolio_panel(
    data: Res<CityData>,
    lang: Res<Language>,
    currency: Res<ShownCurrency>,
    year: Res<ShownYear>,
    mut panel: ResMut<PortfolioPanel>,
) {
    if !(data.is_changed() || lang.is_changed() || currency.is_changed() || year.is_changed()) {
        return;
    }
    panel.set_if_neq(PortfolioPanel(Some(PortfolioView::build(
        &data,
        lang.0,
        currency.0,
        year.resolve(&data),
    ))));
}

fn build_info_panel(
    data: Res<CityData>,
    lang: Res<Language>,
    currency: Res<ShownCurrency>,
    selection: Res<Selection>,
    year: Res<ShownYear>,
    models: Res<LandmarkProblems>,
    mut panel: ResMut<InfoPanel>,
) {
    let inputs_changed = data.is_changed()
        || lang.is_changed()
        || currency.is_changed()
        || selection.is_changed()
        || year.is_changed()
        || models.is_changed();
    if !inputs_changed {
        return;
    }
    let view = selection.0.as_deref().and_then(|id| {
        let mut view = RecordView::build(&data, id, lang.0, currency.0, year.resolve(&data))?;
        view.model_note = models
            .0
            .get(id)
            .map(|refused| refused.problem.describe(refused.stand_in_m, lang.0));
        Some(view)
    });
    panel.set_if_neq(InfoPanel(view));
}

fn build_project_table(
    data: Res<CityData>,
    lang: Res<Language>,
    currency: Res<ShownCurrency>,
    year: Res<ShownYear>,
    mut table: ResMut<ProjectTablePanel>,
) {
    if !(data.is_changed() || lang.is_changed() || currency.is_changed() || year.is_changed()) {
        return;
    }
    table.set_if_neq(ProjectTablePanel(Some(ProjectTable::build(
        &data,
        lang.0,
        currency.0,
        year.resolve(&data),
    ))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format::Currency;
    use crate::model::layers::Layer;
    use crate::model::legend::ProjectFilter;
    use crate::state::Intent;
    use crate::world::choices::TourPosition;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins(crate::world::tests::headless_world)
            .add_plugins((crate::state::plugin, crate::camera::motion_plugin));
        crate::configure_app_systems(&mut app);
        crate::world::data::provide_bundled_data(&mut app);
        app.update();
        app.update();
        app
    }

    fn last_changed<R: Resource>(app: &App) -> bevy::ecs::change_detection::Tick {
        app.world().resource_ref::<R>().last_changed()
    }

    #[test]
    fn the_portfolio_follows_its_own_fields_only() {
        let mut app = app();
        assert!(
            app.world().resource::<PortfolioPanel>().0.is_some(),
            "built once the data is in"
        );
        let built = last_changed::<PortfolioPanel>(&app);
        for intent in [
            Intent::Select {
                id: Some("iconic-complex".into()),
                fly: true,
            },
            Intent::SetFilter(ProjectFilter {
                cluster: Some("cluster-logistics".into()),
                ..ProjectFilter::default()
            }),
            Intent::ShowLayer(Layer::Labels, false),
        ] {
            app.world_mut().write_message(intent);
            app.update();
        }
        app.world_mut().resource_mut::<TourPosition>().step = Some(3);
        app.update();
        assert_eq!(
            last_changed::<PortfolioPanel>(&app),
            built,
            "a selection, a filter, a layer or a tour step leave the portfolio alone"
        );
        assert!(
            app.world().resource::<InfoPanel>().0.is_some(),
            "while the info panel follows the selection"
        );

        app.world_mut()
            .write_message(Intent::SetCurrency(Currency::Usd));
        app.update();
        assert_ne!(
            last_changed::<PortfolioPanel>(&app),
            built,
            "the currency is one of its fields"
        );
    }

    #[test]
    fn the_info_panel_is_empty_without_a_selection() {
        let mut app = app();
        assert_eq!(app.world().resource::<InfoPanel>().0, None);
        app.world_mut().write_message(Intent::Select {
            id: Some("kaist-kazakhstan".into()),
            fly: false,
        });
        app.update();
        let title = app
            .world()
            .resource::<InfoPanel>()
            .0
            .as_ref()
            .map(|view| view.title.clone());
        assert_eq!(title.as_deref(), Some("KAIST Kazakhstan"));
    }
}

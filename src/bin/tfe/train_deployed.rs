//! `tfe train --config HOSTS --name NAME`: this process as one player of a
//! private training whose players are the hostmap's. Every player runs the
//! same command (model, inputs, epochs, batch size, optimizer, loss) and
//! builds the same training graph; the players compare its digest when they
//! connect. A data owner passes its features' file and the label owner its
//! labels' file; every other player passes, in their place, the shape of
//! the owner's file (`--data alice=569x30`): sample counts and shapes are
//! public in a deployment, values are not. The validation data of
//! `--validation-data` and `--validation-labels` are given the same way. The model owner gives the
//! initial weights (`--init`, `--seed-for-tests` or OS entropy), learns
//! the losses and writes the trained weights with `--output`.

use std::ops::ControlFlow;
use std::path::PathBuf;

use tfe::Cancel;
use tfe::deploy::{Hostmap, party as deploy_party};
use tfe::nn::train::{DataOwners, Players, Trainer};

use crate::train::{
    Args, Bar, Owned, Parts, fit_options, input_shape, label_rows, loss, metrics, model_layers, optimizer, owned,
    owner_and_value, split, write_output,
};

/// An input of the command line at this player: its owner's file if this
/// player owns it, else the shape it declares.
fn input_at(option: &'static str, arg: &str, me: &str) -> Result<Owned, String> {
    let (owner, value) = owner_and_value(option, arg)?;
    let declared: Option<Vec<usize>> = value.split('x').map(|d| d.parse::<usize>().ok().filter(|&n| n > 0)).collect();
    if owner == me {
        if declared.is_some() && !std::path::Path::new(value).exists() {
            return Err(format!("{option} {owner}={value}: '{me}' owns this input, so expected its file, not a shape"));
        }
        return owned(option, arg);
    }
    let shape = declared.ok_or_else(|| {
        format!(
            "{option} {owner}={value}: '{me}' is not '{owner}', so expected the shape of {owner}'s file \
                 (ROWSxCOLS..., e.g. 569x30), not a file"
        )
    })?;
    let mut shape = shape;
    if shape.len() == 1 {
        shape.push(1);
    }
    Ok(Owned { option, owner: owner.to_string(), path: PathBuf::from(value), shape, values: Vec::new() })
}

pub fn run(args: &Args) -> Result<(), String> {
    let text = |e: tfe::Error| e.to_string();
    let (Some(config), Some(me)) = (&args.player.config, args.player.name.clone()) else {
        return Err("--config needs --name".into());
    };
    let model_owner = args.model_owner.clone();
    if args.output.is_some() && me != model_owner {
        return Err(format!("--output: only the model owner ('{model_owner}') learns the trained weights"));
    }
    let security = crate::party::security(args.player.key.as_ref(), args.player.insecure_plaintext)?;
    let hostmap = Hostmap::load(config).map_err(text)?;
    hostmap.entry(&me).map_err(text)?;

    let mut data = args.data.iter().map(|a| input_at("--data", a, &me)).collect::<Result<Vec<_>, _>>()?;
    for (i, d) in data.iter().enumerate() {
        if data[..i].iter().any(|e| e.owner == d.owner) {
            return Err(format!("--data: data owner '{}' is given twice, expected one input per owner", d.owner));
        }
    }
    let by_rows = args.split == "rows";
    let input_shape = input_shape(&data, by_rows)?;
    let labels = input_at("--labels", &args.labels, &me)?;
    let init = args.init.as_deref().filter(|_| me == model_owner);
    let (layers, outputs) = model_layers(args, &input_shape, init)?;
    let counts: Vec<usize> = data.iter().map(|d| d.shape[0]).collect();
    let total = if by_rows { counts.iter().sum() } else { counts[0] };
    if labels.shape[0] != total {
        return Err(format!(
            "--labels {}: {} samples, expected the data owners' {total}",
            labels.owner, labels.shape[0]
        ));
    }
    let y = if labels.owner == me { Some(label_rows(&labels, outputs)?) } else { None };

    let players = Players {
        model_owner: model_owner.clone(),
        data_owner: data[0].owner.clone(),
        label_owner: labels.owner.clone(),
    };
    let owners = match (data.len(), by_rows) {
        (1, _) => None,
        (_, true) => Some(DataOwners::Rows(data.iter().map(|d| d.owner.clone()).collect())),
        (_, false) => Some(DataOwners::Features(
            data.iter().map(|d| (d.owner.clone(), *d.shape.last().expect("2 axes"))).collect(),
        )),
    };
    if let Some(warning) = security.warning() {
        eprintln!("warning: {warning}");
    }
    let (name, map) = (me.clone(), hostmap.clone());
    let connect = Box::new(move |graph, cancel: Cancel<'_>| {
        deploy_party::open_cancellable(&map, graph, &name, &security, cancel)
    });
    let mut trainer = Trainer::player(&input_shape, layers, players, owners.as_ref(), connect).map_err(text)?;
    let loss = loss(args, outputs)?;
    trainer.compile(optimizer(args)?, loss, metrics(loss)).map_err(text)?;

    let (train, validation) = match (args.validation_split, &args.validation_labels) {
        (Some(fraction), _) => split(&data, y.as_deref(), outputs, by_rows, fraction)?,
        (None, Some(file)) => {
            let validation = validation_parts(args, &data, &labels, file, outputs, &me)?;
            (
                Parts { samples: counts, x: data.iter_mut().map(|d| std::mem::take(&mut d.values)).collect(), y },
                Some(validation),
            )
        }
        (None, None) => {
            (Parts { samples: counts, x: data.iter_mut().map(|d| std::mem::take(&mut d.values)).collect(), y }, None)
        }
    };
    let owners: Vec<&str> = data.iter().map(|d| d.owner.as_str()).collect();
    let fit = fit_options(args)?;
    let learns = me == model_owner;
    let mut bar = Bar::new(args.quiet || !learns);
    let validation = validation.as_ref().map(|v| v.view(&owners, &me));
    let history = trainer
        .fit_as_player(&train.view(&owners, &me), validation.as_ref(), fit, &mut |p| {
            bar.show(p);
            ControlFlow::Continue(())
        })
        .map_err(text)?;
    let model = trainer.export_as_player().map_err(text)?;
    trainer.finish().map_err(text)?;
    if let (Some(dir), Some(model)) = (&args.output, &model) {
        write_output(dir, model, &history, &bar.steps)?;
    }
    if !args.quiet {
        let what = match (history.last(), learns) {
            (Some(last), true) => format!(": {}", crate::train::describe(last)),
            _ => format!(" (the losses and weights went to '{model_owner}')"),
        };
        let written = args.output.as_ref().map(|d| format!("; weights in {}", d.display())).unwrap_or_default();
        println!("{me}: trained {} steps{what}{written}", trainer.steps());
    }
    Ok(())
}

/// `--validation-data` and `--validation-labels` at this player: the
/// owners' files where this player owns them, their declared shapes
/// elsewhere, one per data owner in `--data`'s order with samples of its
/// shape.
fn validation_parts(
    args: &Args,
    data: &[Owned],
    labels: &Owned,
    labels_file: &std::path::Path,
    outputs: usize,
    me: &str,
) -> Result<Parts, String> {
    let vdata =
        args.validation_data.iter().map(|a| input_at("--validation-data", a, me)).collect::<Result<Vec<_>, _>>()?;
    for (i, d) in data.iter().enumerate() {
        let v = vdata.get(i).unwrap_or(d);
        if vdata.len() != data.len() || v.owner != d.owner || v.shape[1..] != d.shape[1..] {
            return Err(format!(
                "--validation-data {}: expected one input per data owner in --data's order ({}), with samples of \
                 shape {:?}",
                v.owner,
                data.iter().map(|d| d.owner.as_str()).collect::<Vec<_>>().join(", "),
                &d.shape[1..]
            ));
        }
    }
    let vlabels = input_at("--validation-labels", &format!("{}={}", labels.owner, labels_file.display()), me)?;
    let samples: Vec<usize> = vdata.iter().map(|d| d.shape[0]).collect();
    let y = if vlabels.owner == me { Some(label_rows(&vlabels, outputs)?) } else { None };
    Ok(Parts { samples, x: vdata.into_iter().map(|d| d.values).collect(), y })
}

//! The conformance cases (`tests/conformance/cases.json`, format in its
//! README) run through the C API, as every binding runs them: each step is
//! the C function the case names, called with its tensor arguments and
//! attributes; private inputs are fed, values are checked within the case's
//! tolerance, bad input against the status the case expects. The model
//! cases load an ONNX file and compare each output of a private prediction;
//! the serving cases start a service of one and send it a client's requests.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::Path;
use std::ptr;

use serde_json::Value;
use tfe::internals::ffi::context::*;
use tfe::internals::ffi::feeds::*;
use tfe::internals::ffi::nn::*;
use tfe::internals::ffi::onnx::*;
use tfe::internals::ffi::ops::*;
use tfe::internals::ffi::ops_layout::*;
use tfe::internals::ffi::ops_nonlinear::*;
use tfe::internals::ffi::ops_reduce::*;
use tfe::internals::ffi::predict::*;
use tfe::internals::ffi::result::*;
use tfe::internals::ffi::serve::*;
use tfe::internals::ffi::session::*;

mod common;
use common::ffi::{header_constants, message, status_name};
use tfe::internals::ffi::{
    tfe_config_t, tfe_context_t, tfe_feeds_t, tfe_result_t, tfe_session_t, tfe_status_t, tfe_tensor_t,
};

type Tensor = *mut tfe_tensor_t;
type Out = *mut Tensor;
/// A fetched value: its elements and its shape.
type Fetched = (Vec<f64>, Vec<usize>);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sizes(value: &Value) -> Vec<usize> {
    value.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// A case's attributes, read as the C parameters they name.
struct Attrs<'a> {
    attrs: &'a serde_json::Map<String, Value>,
    constants: &'a HashMap<String, u32>,
}

impl Attrs<'_> {
    fn get(&self, name: &str) -> &Value {
        self.attrs.get(name).unwrap_or_else(|| panic!("attribute {name} missing"))
    }
    fn size(&self, name: &str) -> usize {
        self.get(name).as_u64().unwrap() as usize
    }
    /// An array attribute as (pointer, length); `null` as (NULL, 0).
    fn array(&self, name: &str) -> Vec<usize> {
        if self.get(name).is_null() { Vec::new() } else { sizes(self.get(name)) }
    }
    fn constant(&self, name: &str) -> u32 {
        let value = self.get(name).as_str().unwrap();
        *self.constants.get(value).unwrap_or_else(|| panic!("{value} is not a constant of include/tfe.h"))
    }
}

/// NULL for an empty array, as the C API's `(NULL, 0)`.
fn ptr_of(values: &[usize]) -> *const usize {
    if values.is_empty() { ptr::null() } else { values.as_ptr() }
}

/// Calls the C function `op` on tensors `a` with attributes `k`.
///
/// # Safety
/// `ctx` and the tensors are live handles of one context; `out` is writable.
#[expect(clippy::too_many_lines, reason = "one line per C operation: the table grows with the API")]
unsafe fn call(ctx: *mut tfe_context_t, op: &str, a: &[Tensor], k: &Attrs, out: Out) -> tfe_status_t {
    type Unary = unsafe extern "C" fn(*mut tfe_context_t, *const tfe_tensor_t, Out) -> tfe_status_t;
    type Binary =
        unsafe extern "C" fn(*mut tfe_context_t, *const tfe_tensor_t, *const tfe_tensor_t, Out) -> tfe_status_t;
    type Axis = unsafe extern "C" fn(*mut tfe_context_t, *const tfe_tensor_t, usize, Out) -> tfe_status_t;
    let unary: Option<Unary> = match op {
        "tfe_neg" => Some(tfe_neg),
        "tfe_square" => Some(tfe_square),
        "tfe_reduce_sum" => Some(tfe_reduce_sum),
        "tfe_reduce_mean" => Some(tfe_reduce_mean),
        "tfe_relu" => Some(tfe_relu),
        "tfe_sigmoid" => Some(tfe_sigmoid),
        "tfe_hard_sigmoid" => Some(tfe_hard_sigmoid),
        "tfe_exp" => Some(tfe_exp),
        "tfe_reciprocal" => Some(tfe_reciprocal),
        "tfe_inv_sqrt" => Some(tfe_inv_sqrt),
        "tfe_softmax" => Some(tfe_softmax),
        "tfe_tanh" => Some(tfe_tanh),
        "tfe_log" => Some(tfe_log),
        "tfe_sqrt" => Some(tfe_sqrt),
        "tfe_abs" => Some(tfe_abs),
        "tfe_flatten" => Some(tfe_flatten),
        "tfe_global_avg_pool2d" => Some(tfe_global_avg_pool2d),
        _ => None,
    };
    let binary: Option<Binary> = match op {
        "tfe_add" => Some(tfe_add),
        "tfe_sub" => Some(tfe_sub),
        "tfe_mul" => Some(tfe_mul),
        "tfe_matmul" => Some(tfe_matmul),
        "tfe_less" => Some(tfe_less),
        "tfe_less_equal" => Some(tfe_less_equal),
        "tfe_greater" => Some(tfe_greater),
        "tfe_greater_equal" => Some(tfe_greater_equal),
        "tfe_equal" => Some(tfe_equal),
        "tfe_maximum" => Some(tfe_maximum),
        "tfe_minimum" => Some(tfe_minimum),
        _ => None,
    };
    let axis: Option<Axis> = match op {
        "tfe_reduce_sum_axis" => Some(tfe_reduce_sum_axis),
        "tfe_reduce_mean_axis" => Some(tfe_reduce_mean_axis),
        "tfe_reduce_max" => Some(tfe_reduce_max),
        "tfe_reduce_min" => Some(tfe_reduce_min),
        "tfe_argmax" => Some(tfe_argmax),
        "tfe_argmin" => Some(tfe_argmin),
        "tfe_argmax_one_hot" => Some(tfe_argmax_one_hot),
        "tfe_expand_dims" => Some(tfe_expand_dims),
        "tfe_squeeze" => Some(tfe_squeeze),
        _ => None,
    };
    // SAFETY (all): the caller's contract; array attributes outlive the call.
    unsafe {
        if let Some(f) = unary {
            return f(ctx, a[0], out);
        }
        if let Some(f) = binary {
            return f(ctx, a[0], a[1], out);
        }
        if let Some(f) = axis {
            return f(ctx, a[0], k.size("axis"), out);
        }
        match op {
            "tfe_select" => tfe_select(ctx, a[0], a[1], a[2], out),
            "tfe_concat" => tfe_concat(ctx, a[0], a[1], k.size("axis"), out),
            "tfe_div_public" => tfe_div_public(ctx, a[0], k.get("divisor").as_f64().unwrap(), out),
            "tfe_cumsum" => tfe_cumsum(ctx, a[0], k.size("axis"), k.constant("mode"), out),
            "tfe_sort" => tfe_sort(ctx, a[0], k.size("axis"), k.constant("order"), out),
            "tfe_transpose" => {
                let perm = k.array("perm");
                tfe_transpose(ctx, a[0], ptr_of(&perm), perm.len(), out)
            }
            "tfe_reshape" => {
                let shape = k.array("shape");
                tfe_reshape(ctx, a[0], ptr_of(&shape), shape.len(), out)
            }
            "tfe_slice" => {
                let (begin, size) = (k.array("begin"), k.array("size"));
                tfe_slice(ctx, a[0], ptr_of(&begin), begin.len(), ptr_of(&size), size.len(), out)
            }
            "tfe_pad" => {
                let pads = k.array("pads");
                tfe_pad(ctx, a[0], ptr_of(&pads), pads.len(), out)
            }
            "tfe_gather" => {
                let indices = k.array("indices");
                tfe_gather(ctx, a[0], ptr_of(&indices), indices.len(), k.size("axis"), out)
            }
            "tfe_reveal" => {
                let to = k.get("to").as_str().map(|s| CString::new(s).unwrap());
                tfe_reveal(ctx, a[0], to.as_ref().map_or(ptr::null(), |s| s.as_ptr()), out)
            }
            "tfe_conv2d" => {
                let (sh, sw, padding) = (k.size("stride_h"), k.size("stride_w"), k.constant("padding"));
                tfe_conv2d(ctx, a[0], a[1], sh, sw, padding, out)
            }
            "tfe_pool2d" => tfe_pool2d(
                ctx,
                a[0],
                k.constant("pool"),
                k.size("window_h"),
                k.size("window_w"),
                k.size("stride_h"),
                k.size("stride_w"),
                k.constant("padding"),
                out,
            ),
            _ => panic!("the runner does not know {op}"),
        }
    }
}

/// The handles of one case, freed when it ends.
struct Case {
    ctx: *mut tfe_context_t,
    tensors: HashMap<String, Tensor>,
    feeds: *mut tfe_feeds_t,
    /// Each private input's fed values, kept until the feeds are set.
    inputs: Vec<(String, Vec<f64>)>,
}

impl Drop for Case {
    fn drop(&mut self) {
        // SAFETY: each handle came from the library and is freed once.
        unsafe {
            self.tensors.drain().for_each(|(_, t)| tfe_tensor_free(t));
            tfe_feeds_free(self.feeds);
            tfe_context_free(self.ctx);
        }
    }
}

impl Case {
    fn new(config: &Value) -> Case {
        let mut c: tfe_config_t = tfe_config_default();
        c.frac_bits = config["frac_bits"].as_u64().unwrap() as u32;
        c.int_bits = config["int_bits"].as_u64().unwrap() as u32;
        let (mut ctx, mut feeds) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: valid config and out-params.
        unsafe {
            assert_eq!(tfe_context_new(&raw const c, &raw mut ctx), tfe_status_t::TFE_OK, "{}", message());
            assert_eq!(tfe_feeds_new(&raw mut feeds), tfe_status_t::TFE_OK, "{}", message());
        }
        Case { ctx, tensors: HashMap::new(), feeds, inputs: Vec::new() }
    }

    /// Runs one step; the status of its C call.
    fn step(&mut self, step: &Value, constants: &HashMap<String, u32>) -> tfe_status_t {
        let id = step["id"].as_str().unwrap().to_string();
        let mut out: Tensor = ptr::null_mut();
        let status = if let Some(kind) = step.get("define").and_then(Value::as_str) {
            let shape = sizes(&step["shape"]);
            let values = floats(&step["values"]);
            let owner = step.get("owner").and_then(Value::as_str).map(|o| CString::new(o).unwrap());
            let owner = owner.as_ref().map_or(ptr::null(), |o| o.as_ptr());
            let name = CString::new(id.clone()).unwrap();
            // SAFETY (all): live context, buffers of the stated lengths.
            unsafe {
                match kind {
                    "private_input" => {
                        self.inputs.push((id.clone(), values));
                        let provide = None;
                        let data = ptr::null_mut();
                        let (s, r) = (ptr_of(&shape), shape.len());
                        tfe_define_private_input(self.ctx, name.as_ptr(), owner, s, r, provide, data, &raw mut out)
                    }
                    "private_variable" => tfe_define_private_variable(
                        self.ctx,
                        name.as_ptr(),
                        owner,
                        values.as_ptr(),
                        values.len(),
                        ptr_of(&shape),
                        shape.len(),
                        &raw mut out,
                    ),
                    "constant" => tfe_define_constant(
                        self.ctx,
                        values.as_ptr(),
                        values.len(),
                        ptr_of(&shape),
                        shape.len(),
                        &raw mut out,
                    ),
                    other => panic!("unknown definition {other}"),
                }
            }
        } else {
            let args: Vec<Tensor> =
                step["args"].as_array().unwrap().iter().map(|a| self.tensors[a.as_str().unwrap()]).collect();
            let empty = serde_json::Map::new();
            let attrs = Attrs { attrs: step.get("attrs").and_then(Value::as_object).unwrap_or(&empty), constants };
            // SAFETY: live handles of this case's context.
            unsafe { call(self.ctx, step["op"].as_str().unwrap(), &args, &attrs, &raw mut out) }
        };
        if status == tfe_status_t::TFE_OK {
            self.tensors.insert(id, out);
        }
        status
    }

    /// Feeds the private inputs and runs `fetch` in a local session: each
    /// fetch as (values, shape), or the failing status and its message.
    fn run(&mut self, fetch: &[&str]) -> Result<Vec<Fetched>, (tfe_status_t, String)> {
        let fetches: Vec<Tensor> = fetch.iter().map(|f| self.tensors[*f]).collect();
        let (mut sess, mut result): (*mut tfe_session_t, *mut tfe_result_t) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY (all): live handles, buffers of the stated lengths, out-params.
        unsafe {
            for (id, values) in &self.inputs {
                let status = tfe_feeds_set(self.feeds, self.tensors[id], values.as_ptr(), values.len());
                assert_eq!(status, tfe_status_t::TFE_OK, "feeding {id}: {}", message());
            }
            assert_eq!(tfe_session_new_local(self.ctx, &raw mut sess), tfe_status_t::TFE_OK, "{}", message());
            let status = tfe_session_run_with_feeds(sess, fetches.as_ptr(), fetches.len(), self.feeds, &raw mut result);
            let outcome = if status == tfe_status_t::TFE_OK {
                Ok((0..fetches.len())
                    .map(|i| {
                        let (mut data, mut len, mut shape, mut rank) = (ptr::null(), 0, ptr::null(), 0);
                        assert_eq!(tfe_result_value(result, i, &raw mut data, &raw mut len), tfe_status_t::TFE_OK);
                        assert_eq!(tfe_result_shape(result, i, &raw mut shape, &raw mut rank), tfe_status_t::TFE_OK);
                        let values = if len == 0 { vec![] } else { std::slice::from_raw_parts(data, len).to_vec() };
                        let shape = if rank == 0 { vec![] } else { std::slice::from_raw_parts(shape, rank).to_vec() };
                        (values, shape)
                    })
                    .collect())
            } else {
                Err((status, message()))
            };
            tfe_result_free(result);
            tfe_session_free(sess);
            outcome
        }
    }
}

/// Runs one case; what went wrong, if anything.
fn run_case(case: &Value, config: &Value, constants: &HashMap<String, u32>) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let expect = &case["expect"];
    let failing_step = expect.get("step").and_then(Value::as_str);
    let mut c = Case::new(config);
    for step in case["steps"].as_array().unwrap() {
        let id = step["id"].as_str().unwrap();
        let status = c.step(step, constants);
        if failing_step == Some(id) {
            let want = expect["status"].as_str().unwrap();
            return if status_name(status) == want {
                Ok(())
            } else {
                Err(format!("{name}: step {id} expected {want}, found {} ({})", status_name(status), message()))
            };
        }
        if status != tfe_status_t::TFE_OK {
            return Err(format!("{name}: step {id} failed: {} {}", status_name(status), message()));
        }
    }
    if failing_step.is_some() {
        return Err(format!("{name}: every step succeeded, expected {expect}"));
    }
    let fetch: Vec<&str> = case["fetch"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    match (c.run(&fetch), expect.get("status").and_then(Value::as_str)) {
        (Err((status, _)), Some(want)) if status_name(status) == want => Ok(()),
        (Err((status, text)), _) => Err(format!("{name}: the run failed: {} {text}", status_name(status))),
        (Ok(_), Some(want)) => Err(format!("{name}: the run succeeded, expected {want}")),
        (Ok(outputs), None) => {
            let mut wrong = Vec::new();
            for (id, (values, shape)) in fetch.iter().zip(outputs) {
                let want = &expect["values"][*id];
                if shape != sizes(&want["shape"]) {
                    wrong.push(format!("{name}: {id} has shape {shape:?}, expected {}", want["shape"]));
                    continue;
                }
                let atol = want["atol"].as_f64().unwrap() + 1e-12;
                for (i, (got, expected)) in values.iter().zip(floats(&want["values"])).enumerate() {
                    if (got - expected).abs() > atol {
                        wrong.push(format!(
                            "{name}: {id}[{i}] = {got}, expected {expected} within {atol} ({})",
                            want["bound"]
                        ));
                    }
                }
            }
            if wrong.is_empty() { Ok(()) } else { Err(wrong.join("\n")) }
        }
    }
}

#[test]
fn every_conformance_case_passes_through_the_c_api() {
    let text = std::fs::read_to_string(repo().join("tests/conformance/cases.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["format"], 1, "cases.json format");
    let constants = header_constants();
    let cases = file["cases"].as_array().unwrap();
    let failures: Vec<String> =
        cases.iter().filter_map(|case| run_case(case, &file["config"], &constants).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// A model case: the ONNX file predicts the case's samples (one batch, every
/// player local) and each output is within its tolerance.
fn run_model_case(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let fail = |what: &str| format!("{name}: {what}: {}", message());
    let path = CString::new(repo().join(case["model"].as_str().unwrap()).to_str().unwrap()).unwrap();
    let x = floats(&case["input"]["values"]);
    let batch = sizes(&case["input"]["shape"])[0];
    let wants = case["outputs"].as_array().unwrap();
    let mut outs: Vec<Vec<f64>> = wants.iter().map(|w| vec![0.0; floats(&w["values"]).len()]).collect();
    // SAFETY: valid pointers and lengths; the handles are freed once.
    unsafe {
        let mut model = ptr::null_mut();
        if tfe_model_load_onnx(path.as_ptr(), &raw mut model) != tfe_status_t::TFE_OK {
            return Err(fail("tfe_model_load_onnx"));
        }
        let mut options = tfe_session_options_default();
        options.transport = tfe_transport_t::TFE_TRANSPORT_MEMORY as u32;
        let owner = c"model-owner";
        let client = c"client";
        let mut pred = ptr::null_mut();
        let status =
            tfe_predictor_new_local(model, batch, owner.as_ptr(), client.as_ptr(), &raw const options, &raw mut pred);
        tfe_model_free(model);
        if status != tfe_status_t::TFE_OK {
            return Err(fail("tfe_predictor_new_local"));
        }
        let ptrs: Vec<*mut f64> = outs.iter_mut().map(Vec::as_mut_ptr).collect();
        let lens: Vec<usize> = outs.iter().map(Vec::len).collect();
        let status = tfe_predictor_predict_outputs(pred, x.as_ptr(), x.len(), ptrs.as_ptr(), lens.as_ptr(), lens.len());
        tfe_predictor_free(pred);
        if status != tfe_status_t::TFE_OK {
            return Err(fail("tfe_predictor_predict_outputs"));
        }
    }
    check_outputs(name, &outs, wants)
}

#[test]
fn every_model_case_predicts_through_the_c_api() {
    let text = std::fs::read_to_string(repo().join("tests/conformance/cases.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let models = file["models"].as_array().unwrap();
    assert!(models.len() >= 4, "cases.json has {} model cases", models.len());
    let failures: Vec<String> = models.iter().filter_map(|case| run_model_case(case).err()).collect();
    assert!(failures.is_empty(), "{} of {} model cases failed:\n{}", failures.len(), models.len(), failures.join("\n"));
}

/// Checks each output of one answer against the request's `outputs`.
fn check_outputs(name: &str, outs: &[Vec<f64>], wants: &[Value]) -> Result<(), String> {
    for (i, (got, want)) in outs.iter().zip(wants).enumerate() {
        let atol = want["atol"].as_f64().unwrap();
        let values = floats(&want["values"]);
        if got.len() != values.len() {
            return Err(format!("{name}: output {i} has {} values, expected {}", got.len(), values.len()));
        }
        for (j, (g, w)) in got.iter().zip(values).enumerate() {
            if (g - w).abs() > atol + 1e-12 {
                return Err(format!("{name}: output {i}, element {j}: {g}, expected {w} within {atol}"));
            }
        }
    }
    Ok(())
}

/// A serving case: a service of the model in this process, one client, its
/// requests in order (format in tests/conformance/README.md).
fn run_serve_case(case: &Value, constants: &HashMap<String, u32>) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let fail = |what: &str| format!("{name}: {what}: {}", message());
    let path = CString::new(repo().join(case["model"].as_str().unwrap()).to_str().unwrap()).unwrap();
    let max_batch = case["max_batch"].as_u64().unwrap() as usize;
    // SAFETY: valid pointers and lengths; each handle is freed once, the
    // client before the service.
    unsafe {
        let mut model = ptr::null_mut();
        if tfe_model_load_onnx(path.as_ptr(), &raw mut model) != tfe_status_t::TFE_OK {
            return Err(fail("tfe_model_load_onnx"));
        }
        let mut options = tfe_server_options_default();
        options.max_batch = max_batch;
        let mut session = tfe_session_options_default();
        session.transport = tfe_transport_t::TFE_TRANSPORT_MEMORY as u32;
        let mut server = ptr::null_mut();
        let status =
            tfe_server_start(model, c"127.0.0.1:0".as_ptr(), &raw const options, &raw const session, &raw mut server);
        tfe_model_free(model);
        if status != tfe_status_t::TFE_OK {
            return Err(fail("tfe_server_start"));
        }
        let mut port = 0u16;
        assert_eq!(tfe_server_port(server, &raw mut port), tfe_status_t::TFE_OK);
        let addr = CString::new(format!("127.0.0.1:{port}")).unwrap();
        let mut client = ptr::null_mut();
        if tfe_client_connect(addr.as_ptr(), 30_000, &raw mut client) != tfe_status_t::TFE_OK {
            tfe_server_free(server);
            return Err(fail("tfe_client_connect"));
        }
        let result = serve_requests(name, client, max_batch, case["requests"].as_array().unwrap(), constants);
        tfe_client_free(client);
        tfe_server_free(server);
        result
    }
}

/// The requests of a serving case, on `client`.
///
/// # Safety
/// `client` is a live client.
unsafe fn serve_requests(
    name: &str,
    client: *mut tfe_client_t,
    max_batch: usize,
    requests: &[Value],
    constants: &HashMap<String, u32>,
) -> Result<(), String> {
    let (mut shape, mut rank, mut count) = (ptr::null(), 0usize, 0usize);
    // SAFETY: the out-params are writable; the shape is read before the next call.
    unsafe {
        assert_eq!(tfe_client_input_shape(client, &raw mut shape, &raw mut rank), tfe_status_t::TFE_OK);
        assert_eq!(std::slice::from_raw_parts(shape, rank)[0], max_batch, "{name}: the input shape's batch");
        assert_eq!(tfe_client_output_count(client, &raw mut count), tfe_status_t::TFE_OK);
    }
    let sample_lens: Vec<usize> = (0..count)
        .map(|i| {
            // SAFETY: as above.
            unsafe {
                assert_eq!(tfe_client_output_shape_at(client, i, &raw mut shape, &raw mut rank), tfe_status_t::TFE_OK);
                std::slice::from_raw_parts(shape, rank)[1..].iter().product()
            }
        })
        .collect();
    for (r, request) in requests.iter().enumerate() {
        let what = format!("{name}, request {r}");
        if request["reconnect"].as_bool() == Some(true) {
            // SAFETY: a live client.
            if unsafe { tfe_client_reconnect(client) } != tfe_status_t::TFE_OK {
                return Err(format!("{what}: tfe_client_reconnect: {}", message()));
            }
            continue;
        }
        let x = floats(&request["input"]["values"]);
        let batch = sizes(&request["input"]["shape"])[0];
        let mut outs: Vec<Vec<f64>> = sample_lens.iter().map(|len| vec![0.0; batch * len]).collect();
        let ptrs: Vec<*mut f64> = outs.iter_mut().map(Vec::as_mut_ptr).collect();
        let lens: Vec<usize> = outs.iter().map(Vec::len).collect();
        // SAFETY: valid pointers and lengths.
        let status = unsafe {
            tfe_client_predict_outputs(client, x.as_ptr(), x.len(), ptrs.as_ptr(), lens.as_ptr(), lens.len())
        };
        match request["status"].as_str() {
            Some(want) => {
                if status as u32 != constants[want] {
                    return Err(format!("{what}: status {}, expected {want}", status_name(status)));
                }
            }
            None if status != tfe_status_t::TFE_OK => {
                return Err(format!("{what}: tfe_client_predict_outputs: {}", message()));
            }
            None => check_outputs(&what, &outs, request["outputs"].as_array().unwrap())?,
        }
    }
    Ok(())
}

#[test]
fn every_serving_case_answers_through_the_c_api() {
    let text = std::fs::read_to_string(repo().join("tests/conformance/cases.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let constants = header_constants();
    let cases = file["serve_cases"].as_array().unwrap();
    assert!(!cases.is_empty(), "cases.json has no serving case");
    let failures: Vec<String> = cases.iter().filter_map(|case| run_serve_case(case, &constants).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} serving cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#pragma once
// Internal: constructors of the concrete schedulers, one per diffusers class (Scheduler.cpp's
// makeScheduler() picks one by SchedulerConfig::kind).
#include "diffusion/sampling/Scheduler.h"

namespace hdr::diffusion::detail {

std::unique_ptr<Scheduler> makeEuler(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeEulerAncestral(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeLms(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeDpmSolverMultistep(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeUniPc(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeDdpm(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makeDdim(const SchedulerConfig& config);
std::unique_ptr<Scheduler> makePndm(const SchedulerConfig& config);

// epsilon / v_prediction / sample -> x0 in sigma ("k-diffusion") space, diffusers' formulas.
at::Tensor predictX0Sigma(const SchedulerConfig& config,
                          const at::Tensor& modelOutput,
                          const at::Tensor& sample,
                          double sigma);

} // namespace hdr::diffusion::detail

/**
 * Building blocks of the DDPM UNet (Ho, Jain and Abbeel 2020, "Denoising Diffusion Probabilistic
 * Models", Appendix B; their reference code is {@code diffusion_tf/models/unet.py}): the residual
 * block with a timestep-embedding add ({@link diffusion4j.models.unet.ResBlock}), the
 * self-attention block ({@link diffusion4j.models.unet.AttentionBlock}), and one resolution stage
 * of the UNet ({@link diffusion4j.models.unet.UNetStage}: two residual blocks then attention, as
 * at the 16x16 resolution of the paper's CIFAR-10 model).
 *
 * <p>Built only from the {@code diffusion4j.nn} modules, so every op runs on every backend. The
 * stage is also what the benchmarks time as "one UNet training step" against the same module in
 * PyTorch ({@code tools/perf/torch_bench.py} mirrors it layer for layer).
 */
package diffusion4j.models.unet;

# Sourced by the purity and image tests: what a GPU runtime looks like in a file path or a
# library name. Matched against path components and library base names, not bare substrings:
# ICU's "libicudata" contains "cuda" and "libcurl" starts with "libcu", yet both are CPU code.
GPU_PATH_RE='/(lib)?(cuda|cudart|cublas|cudnn|cufft|curand|cusparse|cusolver|cupti|nvrtc|nvjitlink|nvidia|nvtoolsext|nvblas|nccl|nvml|amdhip|hipblas|rocblas|rocm|miopen|hsa-runtime)[^/]*$'
GPU_PATH_RE+='|/lib(nv|hip|roc)[^/]*$'
GPU_PATH_RE+='|/(cuda|nvidia|rocm)[^/]*/'

# gpu_filter: reads paths or library names (one per line) and prints the GPU ones.
gpu_filter() {
  sed -e 's|^\([^/]\)|/\1|' | grep -Ei -- "$GPU_PATH_RE" || true
}

# The pattern must catch the real names and spare the CPU libraries that look alike;
# a pattern that matches nothing would make the purity tests pass vacuously.
gpu_names_selftest() {
  local yes='libcuda.so.1 libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcudnn.so.8
    libnvrtc.so.12 libnvidia-ml.so.1 libnvToolsExt.so.1 libamdhip64.so.5 librocblas.so.3
    libhsa-runtime64.so.1 libcufft.so.11 /usr/local/cuda/lib64/libfoo.so /usr/local/cuda-12.2
    /usr/lib/x86_64-linux-gnu/nvidia/current/libGLX.so.0 /opt/rocm/lib/libbar.so'
  local no='libicudata.so.72 libicuuc.so.72 libcurl.so.4 libc.so.6 libavcodec.so.59
    /usr/share/icu/72.1/icudt72l.dat libopenblas.so.0 libvdpau.so.1 libva.so.2 libcodec2.so.1.0'
  local n bad=0
  for n in $yes; do [ -n "$(printf '%s\n' "$n" | gpu_filter)" ] || { echo "selftest: $n not recognised as GPU"; bad=1; }; done
  for n in $no; do [ -z "$(printf '%s\n' "$n" | gpu_filter)" ] || { echo "selftest: $n wrongly taken for GPU"; bad=1; }; done
  return $bad
}

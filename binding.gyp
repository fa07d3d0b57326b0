# The native engine (native/): one static library per instruction set, each compiled with only
# its own ISA's flags so the portable code never executes an instruction the CPU lacks; the addon
# links them all and picks one at run time (native/cpu-features.cc).
#
# -ffp-contract=off everywhere: the compiler must not fuse a multiply and an add on its own, the
# kernels place every fused multiply-add themselves (the same ones on every ISA).
{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fPIC"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
  },
  "targets": [
    {
      "target_name": "kernels_baseline",
      "type": "static_library",
      "sources": ["native/kernels-baseline.cc"],
    },
    {
      "target_name": "rnn_native",
      "sources": ["native/addon.cc", "native/cpu-features.cc", "native/float-json.cc", "native/json-vector.cc", "native/network.cc"],
      "dependencies": ["kernels_baseline"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["kernels_avx2", "kernels_avx512"]}],
        ["target_arch=='arm64'", {"dependencies": ["kernels_neon"]}],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "kernels_avx2",
          "type": "static_library",
          "sources": ["native/kernels-avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c"],
        },
        {
          "target_name": "kernels_avx512",
          "type": "static_library",
          "sources": ["native/kernels-avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx2", "-mfma"],
        },
      ],
    }],
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "kernels_neon",
          "type": "static_library",
          "sources": ["native/kernels-neon.cc"],
        },
      ],
    }],
  ],
}

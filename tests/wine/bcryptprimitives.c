/* For the wine TEST prefix only, never for the bundle: wine 8.0 has no bcryptprimitives.dll,
 * and Rust >= 1.78's std (pydantic_core, resvg_py) imports ProcessPrng from it. Real Windows
 * 10/11 has it. This stand-in fills the buffer from advapi32's RtlGenRandom (SystemFunction036).
 * Built by tests/test_windows_bundle.py with mingw-w64:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c bcryptprimitives.def
 */
#include <windows.h>

typedef BOOLEAN (WINAPI *gen_random_fn)(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    static gen_random_fn gen_random;
    if (!gen_random) {
        HMODULE advapi = LoadLibraryA("advapi32.dll");
        gen_random = advapi ? (gen_random_fn)GetProcAddress(advapi, "SystemFunction036") : NULL;
        if (!gen_random)
            return FALSE;
    }
    while (length) {                       /* RtlGenRandom takes a ULONG length */
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!gen_random(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

#include "server/voice_expr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *kk_voice_list_join(char **names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(s + off, "%s%s", i ? ", " : "", names[i]);
    return s;
}

const char *kk_lang_from_code(const char *code)
{
    static const char *const map[][2] = {
        {"a", "a"}, {"b", "b"}, {"e", "e"}, {"f", "f"}, {"h", "h"}, {"i", "i"}, {"p", "p"}, {"j", "j"},
        {"z", "z"}, {"en", "a"}, {"en-us", "a"}, {"en_us", "a"}, {"en-gb", "b"}, {"en_gb", "b"},
        {"es", "e"}, {"fr", "f"}, {"fr-fr", "f"}, {"hi", "h"}, {"it", "i"}, {"pt", "p"}, {"pt-br", "p"},
        {"ja", "j"}, {"zh", "z"}, {"cmn", "z"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(map[i][0], code))
            return map[i][1];
    return NULL;
}

const char *kk_lang_from_voice(const char *canonical, const char *fallback)
{
    char one[2] = {(char)tolower((unsigned char)canonical[0]), '\0'};
    static const char letters[] = "abefhipjz";
    const char *hit = one[0] ? strchr(letters, one[0]) : NULL;
    if (hit) {
        static const char *const codes[] = {"a", "b", "e", "f", "h", "i", "p", "j", "z"};
        return codes[hit - letters];
    }
    return fallback;
}

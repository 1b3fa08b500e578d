// Steady's Material 3 theme, light and dark: calm colours, high contrast for reading at 3 a.m.,
// and the amber and alert colours the support sheet's traffic-light sections use. Pure Compose:
// the Android glue picks dark or light from the system; the JVM checks render both.
package app.steady.android.ui.theme

import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.Immutable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color

/** Colours beyond Material's roles: the sheet's sections and the safety alert. */
@Immutable
data class SteadyColors(
    val amber: Color,
    val onAmber: Color,
    val alert: Color,
    val onAlert: Color,
    val green: Color,
    val onGreen: Color,
    val red: Color,
    val onRed: Color,
    val blue: Color,
    val onBlue: Color,
)

private val LightScheme: ColorScheme =
    lightColorScheme(
        primary = Color(0xFF00606A),
        onPrimary = Color.White,
        primaryContainer = Color(0xFFA2EEF8),
        onPrimaryContainer = Color(0xFF001F23),
        secondary = Color(0xFF4A6267),
        onSecondary = Color.White,
        secondaryContainer = Color(0xFFCDE7EC),
        onSecondaryContainer = Color(0xFF051F23),
        tertiaryContainer = Color(0xFFFFDCC2),
        onTertiaryContainer = Color(0xFF2E1500),
        background = Color(0xFFF6FAFB),
        onBackground = Color(0xFF171D1E),
        surface = Color(0xFFF6FAFB),
        onSurface = Color(0xFF171D1E),
        surfaceVariant = Color(0xFFDBE4E6),
        onSurfaceVariant = Color(0xFF3B4949),
        error = Color(0xFFB3261E),
        onError = Color.White,
        errorContainer = Color(0xFFF9DEDC),
        onErrorContainer = Color(0xFF410E0B),
        outline = Color(0xFF6F797A),
    )

private val DarkScheme: ColorScheme =
    darkColorScheme(
        primary = Color(0xFF82D3DE),
        onPrimary = Color(0xFF00363C),
        primaryContainer = Color(0xFF004F57),
        onPrimaryContainer = Color(0xFFA2EEF8),
        secondary = Color(0xFFB1CBD0),
        onSecondary = Color(0xFF1C3438),
        secondaryContainer = Color(0xFF334B4F),
        onSecondaryContainer = Color(0xFFCDE7EC),
        tertiaryContainer = Color(0xFF6B3B00),
        onTertiaryContainer = Color(0xFFFFDCC2),
        background = Color(0xFF0F1415),
        onBackground = Color(0xFFDEE3E4),
        surface = Color(0xFF0F1415),
        onSurface = Color(0xFFDEE3E4),
        surfaceVariant = Color(0xFF3F4849),
        onSurfaceVariant = Color(0xFFBFC8C9),
        error = Color(0xFFF2B8B5),
        onError = Color(0xFF601410),
        errorContainer = Color(0xFF8C1D18),
        onErrorContainer = Color(0xFFF9DEDC),
        outline = Color(0xFF899393),
    )

private val LightSteady =
    SteadyColors(
        amber = Color(0xFFFFE3A3),
        onAmber = Color(0xFF2B1D00),
        alert = Color(0xFFB3261E),
        onAlert = Color.White,
        green = Color(0xFFD4F0D0),
        onGreen = Color(0xFF0B2A0E),
        red = Color(0xFFFFDAD6),
        onRed = Color(0xFF410002),
        blue = Color(0xFFD6E3FF),
        onBlue = Color(0xFF001B3E),
    )

private val DarkSteady =
    SteadyColors(
        amber = Color(0xFF4D3A00),
        onAmber = Color(0xFFFFE3A3),
        alert = Color(0xFFFFB4AB),
        onAlert = Color(0xFF690005),
        green = Color(0xFF1F3B20),
        onGreen = Color(0xFFD4F0D0),
        red = Color(0xFF5C1612),
        onRed = Color(0xFFFFDAD6),
        blue = Color(0xFF1B3357),
        onBlue = Color(0xFFD6E3FF),
    )

/** Steady's own colours for the current theme. */
val LocalSteadyColors = staticCompositionLocalOf { LightSteady }

/** Wraps a screen in Steady's theme; [dark] comes from the system setting. */
@Composable
fun SteadyTheme(
    dark: Boolean,
    content: @Composable () -> Unit,
) {
    androidx.compose.runtime.CompositionLocalProvider(LocalSteadyColors provides if (dark) DarkSteady else LightSteady) {
        MaterialTheme(colorScheme = if (dark) DarkScheme else LightScheme, content = content)
    }
}
